// Embeddings are stored compactly: unit-length Float32 vectors as BLOBs (4 bytes a dimension, not JSON text),
// so cosine similarity is a plain dot product over a Float32Array view.

export function encodeVector(v: ArrayLike<number>): Buffer {
  const f = new Float32Array(v.length);
  let norm = 0;
  for (let i = 0; i < v.length; i++) norm += v[i]! * v[i]!;
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < v.length; i++) f[i] = v[i]! / norm;
  return Buffer.from(f.buffer);
}

export function decodeVector(b: Buffer): Float32Array {
  // better-sqlite3 hands out Buffers that may not be 4-byte aligned: copy when needed.
  if (b.byteOffset % 4 === 0) return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
  return new Float32Array(new Uint8Array(b).buffer);
}

export function unit(v: ArrayLike<number>): Float32Array {
  return decodeVector(encodeVector(v));
}

export function dot(a: Float32Array, b: Float32Array): number {
  const n = a.length;
  if (n !== b.length) return 0;
  // Four running sums: independent additions pipeline (a search scores a few hundred 256-dim vectors).
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    s0 += a[i]! * b[i]!;
    s1 += a[i + 1]! * b[i + 1]!;
    s2 += a[i + 2]! * b[i + 2]!;
    s3 += a[i + 3]! * b[i + 3]!;
  }
  for (; i < n; i++) s0 += a[i]! * b[i]!;
  return s0 + s1 + s2 + s3;
}
