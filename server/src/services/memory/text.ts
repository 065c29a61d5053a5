// Text helpers shared by storage, retrieval and the scans: normalization (for exact-duplicate hashes), word
// tokens, content words (stop words dropped), snippets and timestamps.
import { createHash } from 'node:crypto';

export function words(text: string): string[] {
  return (
    text
      .toLowerCase()
      .normalize('NFKC')
      .match(/[\p{L}\p{N}]+(?:[._-][\p{L}\p{N}]+)*/gu) ?? []
  );
}

/** Lower case, punctuation and runs of whitespace removed: "The port is 8080." ≡ "the  port is 8080". */
export function normalizeText(text: string): string {
  return words(text).join(' ');
}

export function normHash(text: string): string {
  return createHash('sha256').update(normalizeText(text)).digest('hex').slice(0, 32);
}

const STOP = new Set(
  'a an and are as at be but by for from has have how i in is it its of on or that the this to was what when where which who why will with we you our your do does did can could should would there their they them then than so if into about'.split(
    ' ',
  ),
);

export function contentWords(text: string): string[] {
  return words(text).filter((w) => !STOP.has(w));
}

export function snippet(text: string, max = 240): string {
  return text.length <= max ? text : text.slice(0, max - 1) + '…';
}

export const nowIso = (): string => new Date().toISOString();

/** Canonical ISO form of a timestamp given with any zone, so it compares correctly with stored values. */
export function isoOf(t: string): string {
  return new Date(t).toISOString();
}
