// Conflict heuristics (operator aids, not logic): two kinds of contradiction are recognised.
//  • value: "<subject> is|=|:|uses|listens on|defaults to <value>" with the same subject and different values
//    ("the port is 8080" vs "the port is 9090");
//  • negation: the same statement with and without a negation ("we use tabs" vs "we do not use tabs"),
//    compared on the word set left after removing negations and auxiliaries.
// Both only look at short statements (a subject of ≤ 4 words, a value of ≤ 6 words, a memory of ≤ 40 words for
// negation): long prose is not parsed, so it yields no finding rather than a wrong one.
import { words } from './text';

const NEGATIONS = new Set(['not', 'no', 'never', 'none', 'nobody', 'nothing', 'neither', 'nor']);
const AUX = new Set([
  'do',
  'does',
  'did',
  'is',
  'are',
  'was',
  'were',
  'be',
  'been',
  'should',
  'must',
  'will',
  'would',
  'can',
  'could',
  'shall',
  'may',
  'might',
  'has',
  'have',
  'had',
]);
const VAGUE_SUBJECTS = new Set([
  'it',
  'this',
  'that',
  'there',
  'he',
  'she',
  'they',
  'we',
  'i',
  'you',
  'which',
  'what',
  'who',
  'here',
  'one',
  'answer',
  'result',
  'problem',
  'issue',
  'thing',
  'reason',
  'idea',
  'goal',
  'plan',
  'point',
]);

function expandContractions(text: string): string {
  return text
    .toLowerCase()
    .replace(/\bcan['’]t\b/g, 'can not')
    .replace(/\bwon['’]t\b/g, 'will not')
    .replace(/\bcannot\b/g, 'can not')
    .replace(/n['’]t\b/g, ' not');
}

export interface KeyValue {
  key: string;
  value: string;
  negated: boolean;
}

const KV =
  /^(?:the |our |my |a |an )?([a-z][a-z0-9 ._/-]{0,60}?)\s+(?:is set to|is|are|=|:|equals|defaults to|listens on|runs on|uses|lives at|lives in)\s+(not\s+)?(.+)$/;

/** Cheap prefilter: a key/value statement needs one of the linking words. */
const LINK = /\s(?:is|are|equals|defaults|listens|runs|uses|lives)\s|=|:/;

export function keyValues(text: string): KeyValue[] {
  const out: KeyValue[] = [];
  const expanded = expandContractions(text);
  if (!LINK.test(expanded)) return out;
  const sentences = expanded.split(/(?<=[.!?;])\s+|\n+/).slice(0, 20);
  for (const raw of sentences) {
    if (raw.length > 160 || !LINK.test(raw)) continue;
    const s = raw
      .trim()
      .replace(/[.!?;,]+$/, '')
      .replace(/\s+/g, ' ');
    const m = KV.exec(s);
    if (!m) continue;
    const key = words(m[1]!).join(' ');
    const value = words(m[3]!).join(' ');
    const keyWords = key.split(' ');
    if (!key || !value || keyWords.length > 4 || value.split(' ').length > 6) continue;
    if (keyWords.length === 1 && VAGUE_SUBJECTS.has(key)) continue;
    if (keyWords.some((w) => NEGATIONS.has(w))) continue;
    out.push({ key, value, negated: !!m[2] });
  }
  return out;
}

/** The statement without its negations: equal signatures + different polarity = a negation conflict. */
export function polarity(text: string): { signature: string; negated: boolean } | null {
  if (text.length > 400) return null;
  const w = words(expandContractions(text));
  if (w.length < 3 || w.length > 40) return null;
  const neg = w.filter((x) => NEGATIONS.has(x)).length;
  const rest = [...new Set(w.filter((x) => !NEGATIONS.has(x) && !AUX.has(x)))].sort();
  if (rest.length < 2) return null;
  return { signature: rest.join(' '), negated: neg % 2 === 1 };
}
