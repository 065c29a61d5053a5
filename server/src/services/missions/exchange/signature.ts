// The export signature: HMAC-SHA256 over the canonical JSON of the bundle without its `signature` field (keys
// sorted, no whitespace: the snapshot hash encoding), so any byte that changes the data changes the signature and
// re-serialising does not. No server dependencies: the import worker uses it too.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { canonicalJson } from '../snapshot';

export function signBundle(bundle: Record<string, unknown>, key: string): string {
  const { signature: _drop, ...rest } = bundle;
  return createHmac('sha256', key).update(canonicalJson(rest)).digest('hex');
}

export function verifyBundle(bundle: Record<string, unknown>, key: string): boolean {
  const sig = bundle.signature;
  if (typeof sig !== 'string' || !/^[0-9a-f]{64}$/.test(sig)) return false;
  return timingSafeEqual(Buffer.from(sig, 'hex'), Buffer.from(signBundle(bundle, key), 'hex'));
}
