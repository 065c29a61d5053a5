// A few short, distinct memories for retrieval tests: two about payments webhooks, the rest about other services.
export const SAMPLE_MEMORIES = [
  'The payments service retries webhooks three times with exponential backoff',
  'Billing exports invoices to the ledger every night at two',
  'The auth gateway rotates signing tokens weekly',
  'Search indexes catalog items within five seconds of an update',
  'Payments webhooks are signed with HMAC SHA-256 and checked on receipt',
  'The scheduler batches notifications per user every ten minutes',
];
