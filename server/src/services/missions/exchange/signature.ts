// The export signature: HMAC-SHA256 over the canonical JSON of the bundle without its `signature` field (keys
// sorted, no whitespace: the snapshot hash encoding), so any byte that changes the data changes the signature and
// re-serialising does not. No server dependencies: the import worker uses it too.
import { createHmac, timingSafeEqual, type Hmac } from 'node:crypto';
import { canonicalJson } from '../snapshot';

/**
 * Feed the canonical JSON of `value` to the HMAC a piece at a time: the bundle's arrays and maps (10k missions,
 * tens of MB) are written element by element, never as one giant string. The bytes are the same as
 * canonicalJson(value)'s.
 */
function feed(h: Hmac, value: unknown, depth: number): void {
  if (depth === 0 || value === null || typeof value !== 'object') {
    h.update(canonicalJson(value));
    return;
  }
  if (Array.isArray(value)) {
    h.update('[');
    for (let i = 0; i < value.length; i++) {
      if (i) h.update(',');
      feed(h, value[i], depth - 1);
    }
    h.update(']');
    return;
  }
  const obj = value as Record<string, unknown>;
  let first = true;
  h.update('{');
  for (const k of Object.keys(obj).sort()) {
    if (obj[k] === undefined) continue;
    h.update(`${first ? '' : ','}${JSON.stringify(k)}:`);
    first = false;
    feed(h, obj[k], depth - 1);
  }
  h.update('}');
}

export function signBundle(bundle: Record<string, unknown>, key: string): string {
  const { signature: _drop, ...rest } = bundle;
  const h = createHmac('sha256', key);
  feed(h, rest, 2); // the bundle, its tables, their rows (each row in one piece)
  return h.digest('hex');
}

export function verifyBundle(bundle: Record<string, unknown>, key: string): boolean {
  const sig = bundle.signature;
  if (typeof sig !== 'string' || !/^[0-9a-f]{64}$/.test(sig)) return false;
  return timingSafeEqual(Buffer.from(sig, 'hex'), Buffer.from(signBundle(bundle, key), 'hex'));
}
