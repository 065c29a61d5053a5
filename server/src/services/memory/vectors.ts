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
  if (a.length !== b.length) return 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
