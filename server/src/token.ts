// The HTTP API token: made once (crypto-strong), stored 0600 in the data dir, compared in constant time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export function tokenFile(dataDir: string): string {
  return path.join(dataDir, 'token');
}

export function loadOrCreateToken(dataDir: string): string {
  const file = tokenFile(dataDir);
  if (existsSync(file)) {
    // Someone may have loosened the mode; the token is as secret as the data it guards.
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    const existing = readFileSync(file, 'utf8').trim();
    if (existing.length >= 32) return existing;
  }
  const token = randomBytes(32).toString('base64url');
  writeFileSync(file, token + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return token;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** The expected side is the same few secrets on every request (operator token, MCP key): hash each once. */
const expectedDigests = new Map<string, Buffer>();

/** Constant-time comparison (hashing first makes the lengths equal, so length does not leak either). */
export function tokensEqual(given: string, expected: string): boolean {
  let want = expectedDigests.get(expected);
  if (!want) {
    if (expectedDigests.size >= 8) expectedDigests.clear(); // rotated secrets: keep only the current few
    expectedDigests.set(expected, (want = digest(expected)));
  }
  return timingSafeEqual(digest(given), want);
}
