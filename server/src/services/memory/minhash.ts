// Near-duplicate detection without an all-pairs scan: MinHash signatures over word shingles, bucketed by LSH
// banding. 64 hash functions in 16 bands of 4 rows: two memories with Jaccard similarity 0.8 share a bucket with
// probability 1 − (1 − 0.8⁴)¹⁶ ≈ 0.9998; at 0.3 only ≈ 12% do, and those candidates are then checked exactly.
import { createHash } from 'node:crypto';
import { words } from './text';

export const NUM_HASHES = 64;
export const BANDS = 16;
export const ROWS = NUM_HASHES / BANDS;
const PRIME = 4294967311; // smallest prime above 2^32

// Fixed coefficients (derived from a fixed seed) so signatures are stable across restarts and machines.
const COEFF: { a: number; b: number }[] = Array.from({ length: NUM_HASHES }, (_, i) => {
  const d = createHash('sha256').update(`agentora-minhash-${i}`).digest();
  return { a: (d.readUInt32LE(0) % (PRIME - 1)) + 1, b: d.readUInt32LE(4) };
});

/** Word 3-shingles (fewer words: the whole text as one shingle). */
export function shingles(text: string, k = 3): Set<string> {
  const w = words(text);
  const out = new Set<string>();
  if (w.length <= k) {
    if (w.length) out.add(w.join(' '));
    return out;
  }
  for (let i = 0; i + k <= w.length; i++) out.add(w.slice(i, i + k).join(' '));
  return out;
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** (a·x + b) mod p without losing precision: split a into 16-bit halves so every product stays below 2^53. */
function permute(a: number, b: number, x: number): number {
  const hi = Math.floor(a / 65536);
  const lo = a % 65536;
  const t = ((hi * x) % PRIME) * 65536 + lo * x + b;
  return t % PRIME;
}

export function signature(text: string): Uint32Array {
  const sig = new Uint32Array(NUM_HASHES).fill(0xffffffff);
  for (const sh of shingles(text)) {
    const x = fnv1a(sh);
    for (let i = 0; i < NUM_HASHES; i++) {
      const c = COEFF[i]!;
      const v = permute(c.a, c.b, x) >>> 0;
      if (v < sig[i]!) sig[i] = v;
    }
  }
  return sig;
}

export function toBlob(sig: Uint32Array): Buffer {
  return Buffer.from(sig.buffer, sig.byteOffset, sig.byteLength);
}

export function fromBlob(b: Buffer): Uint32Array {
  const copy = new Uint8Array(b.byteLength);
  copy.set(b);
  return new Uint32Array(copy.buffer);
}

export function estimateJaccard(a: Uint32Array, b: Uint32Array): number {
  let same = 0;
  for (let i = 0; i < NUM_HASHES; i++) if (a[i] === b[i]) same++;
  return same / NUM_HASHES;
}

/** One bucket key per band. */
export function bandKeys(sig: Uint32Array): string[] {
  const out: string[] = [];
  for (let b = 0; b < BANDS; b++) {
    let h = 0x811c9dc5 ^ b;
    for (let r = 0; r < ROWS; r++) h = Math.imul(h ^ sig[b * ROWS + r]!, 0x01000193) >>> 0;
    out.push(`${b}:${h}`);
  }
  return out;
}

export function jaccard(a: Set<string>, b: Set<string>): number {
  if (!a.size && !b.size) return 1;
  let inter = 0;
  for (const x of a) if (b.has(x)) inter++;
  return inter / (a.size + b.size - inter);
}

/**
 * Verify candidate near-duplicate pairs on their word shingles: the pairs whose exact Jaccard similarity is at
 * least `threshold` and below 1 (identical texts are the exact scan's). The same code on a worker (a
 * `memory_maintenance` job) and here (the local scan, and the job's local fallback).
 */
export function verifyPairs<Id extends string | number>(
  items: readonly { id: Id; text: string }[],
  pairs: readonly (readonly [Id, Id])[],
  threshold: number,
): { a: Id; b: Id; similarity: number }[] {
  const texts = new Map<Id, string>(items.map((i) => [i.id, i.text]));
  const cache = new Map<Id, Set<string>>();
  const sh = (id: Id) => {
    let s = cache.get(id);
    if (!s) cache.set(id, (s = shingles(texts.get(id) ?? '')));
    return s;
  };
  const out: { a: Id; b: Id; similarity: number }[] = [];
  for (const [a, b] of pairs) {
    if (!texts.has(a) || !texts.has(b)) continue;
    const j = jaccard(sh(a), sh(b));
    if (j >= threshold && j < 1) out.push({ a, b, similarity: j });
  }
  return out;
}
