// Pure parts of the memory engine: MinHash/LSH, conflict heuristics, chunking, FTS queries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bandKeys, estimateJaccard, jaccard, shingles, signature } from '../../server/src/services/memory/minhash';
import { keyValues, polarity } from '../../server/src/services/memory/facts';
import { chunkText } from '../../server/src/services/memory/chunk';
import { contentWords, normHash } from '../../server/src/services/memory/text';
import { phrase, stem } from '../../server/src/services/memory/textsearch';

const long =
  'The nightly export job writes every customer invoice of the previous day to the finance bucket and then sends a summary email to the billing team with the totals';

test('MinHash: near duplicates estimate high and share an LSH bucket; unrelated texts do not', () => {
  const near = long.replace('summary email', 'summary message');
  const other = 'Frontend builds use Vite with a custom plugin for SVG sprites and run type checks before every commit in the monorepo';
  const exact = jaccard(shingles(long), shingles(near));
  assert.ok(exact > 0.75, `true similarity ${exact}`);
  const est = estimateJaccard(signature(long), signature(near));
  assert.ok(Math.abs(est - exact) < 0.2, `estimate ${est} vs ${exact}`);
  const shared = bandKeys(signature(long)).filter((k) => bandKeys(signature(near)).includes(k));
  assert.ok(shared.length > 0, 'they meet in at least one band');
  assert.ok(estimateJaccard(signature(long), signature(other)) < 0.1);
  assert.deepEqual(signature(long), signature(long), 'signatures are deterministic');
});

test('exact-duplicate hash ignores case, punctuation and spacing only', () => {
  assert.equal(normHash('The port is 8080.'), normHash('  the PORT is   8080 '));
  assert.notEqual(normHash('The port is 8080'), normHash('The port is 9090'));
});

test('conflict heuristics: key/value statements and polarity, with clear negatives', () => {
  assert.deepEqual(keyValues('The port is 8080.'), [{ key: 'port', value: '8080', negated: false }]);
  assert.deepEqual(keyValues('Our default region = eu-west-1'), [{ key: 'default region', value: 'eu-west-1', negated: false }]);
  assert.deepEqual(keyValues("The cache isn't redis"), [{ key: 'cache', value: 'redis', negated: true }]);
  assert.deepEqual(keyValues('It is fine.'), [], 'vague subjects are ignored');
  assert.deepEqual(
    keyValues('The reason we moved the whole build pipeline to a new provider last year is cost and reliability and speed and support'),
    [],
    'long values are prose, not facts',
  );
  const a = polarity('We use tabs for indentation');
  const b = polarity("We don't use tabs for indentation");
  assert.equal(a?.signature, b?.signature);
  assert.deepEqual([a?.negated, b?.negated], [false, true]);
  assert.notEqual(polarity('We use tabs for indentation')?.signature, polarity('We use spaces for indentation')?.signature);
});

test('chunking: headings, paragraphs, a size cap and overlap', () => {
  const body = Array.from({ length: 6 }, (_, i) => `Sentence ${i} about the topic of this section is here.`).join(' ');
  const chunks = chunkText(`# A\n\n${body}\n\n# B\n\nshort`, { maxChars: 150, overlapChars: 30, markdown: true });
  assert.ok(
    chunks.every((c) => c.length <= 150 + 40),
    chunks.map((c) => c.length).join(','),
  );
  assert.ok(chunks.filter((c) => c.startsWith('# A')).length >= 2);
  assert.equal(chunks.at(-1), '# B\nshort');
  assert.deepEqual(chunkText('one\n\ntwo', { maxChars: 200, overlapChars: 0, markdown: false }), ['one\n\ntwo']);
  assert.deepEqual(chunkText('# not a heading in text mode', { maxChars: 200, overlapChars: 0, markdown: false }), ['# not a heading in text mode']);
});

test('query terms: stop words dropped, every term quoted as an FTS5 phrase, a light stemmer for scoring', () => {
  assert.deepEqual(contentWords('the port OR "x" NEAR(y)'), ['port', 'x', 'near', 'y']);
  assert.equal(phrase('a"b'), '"a""b"');
  assert.deepEqual(['retries', 'retried', 'webhooks', 'running', 'class'].map(stem), ['retri', 'retri', 'webhook', 'runn', 'class']);
});
