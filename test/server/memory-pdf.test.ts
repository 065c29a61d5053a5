// PDF uploads through the real server: text from real PDFs (made by Chromium's print-to-PDF, see
// test/fixtures/pdf/README.md) via unpdf in a worker thread; a scan-like PDF says it has no text.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startServer, type TestServer } from '../helpers/server';

const FIX = path.join(__dirname, '../fixtures/pdf');
let s: TestServer;
before(async () => {
  s = await startServer();
});
after(() => s?.stop());

async function upload(file: string): Promise<{ status: number; body: any }> {
  const r = await s.fetch('/api/memory/uploads', {
    method: 'POST',
    body: JSON.stringify({ filename: file, content_base64: readFileSync(path.join(FIX, file)).toString('base64') }),
  });
  return { status: r.status, body: await r.json() };
}
async function texts(ids: number[]): Promise<string> {
  const out: string[] = [];
  for (const id of ids) out.push((await (await s.fetch(`/api/memory/capsules/${id}`)).json()).capsule.text);
  return out.join('\n');
}

test('a one-page Chromium PDF: heading, paragraph and list items become searchable memories', async () => {
  const u = await upload('chromium-checklist.pdf');
  assert.equal(u.status, 201, JSON.stringify(u.body));
  assert.equal(u.body.format, 'pdf');
  const text = await texts(u.body.capsule_ids);
  assert.match(text, /Release checklist/);
  assert.match(text, /The deploy script lives in scripts\/deploy\.sh and runs from the main\s+branch only\./);
  assert.match(text, /Rollbacks use the previous release tag\./);
  const found = await (await s.fetch('/api/capsules/search', { method: 'POST', body: JSON.stringify({ query: 'rollbacks release tag' }) })).json();
  assert.ok(found.items.some((i: any) => u.body.capsule_ids.includes(i.capsule_id)));
});

test('a three-page PDF with Greek, Cyrillic and accented text (CID fonts) keeps every page in order', async () => {
  const u = await upload('chromium-multipage-unicode.pdf');
  assert.equal(u.status, 201, JSON.stringify(u.body));
  const text = await texts(u.body.capsule_ids);
  for (const n of [1, 2, 3]) assert.match(text, new RegExp(`Chapter ${n}`));
  assert.ok(text.indexOf('Chapter 1') < text.indexOf('Chapter 2') && text.indexOf('Chapter 2') < text.indexOf('Chapter 3'));
  assert.match(text, /Ελληνικά κείμενο 2/);
  assert.match(text, /Русский текст 3/);
  assert.match(text, /café/);
});

test('a scan-like PDF (text only in an image) is refused with the reason, nothing stored', async () => {
  const before = (await (await s.fetch('/api/memory/health')).json()).counts_by_status.active;
  const u = await upload('chromium-canvas-scan.pdf');
  assert.equal(u.status, 400);
  assert.match(u.body.message, /no extractable text/);
  assert.equal((await (await s.fetch('/api/memory/health')).json()).counts_by_status.active, before);
});

test('a damaged PDF is a 400 naming content_base64, and the server keeps answering', async () => {
  const broken = readFileSync(path.join(FIX, 'chromium-checklist.pdf')).subarray(0, 900);
  const r = await s.fetch('/api/memory/uploads', {
    method: 'POST',
    body: JSON.stringify({ filename: 'broken.pdf', content_base64: broken.toString('base64') }),
  });
  assert.equal(r.status, 400);
  const b = await r.json();
  assert.ok(b.issues.some((i: any) => i.path === 'content_base64'));
  assert.equal((await s.fetch('/api/system/version')).status, 200);
});
