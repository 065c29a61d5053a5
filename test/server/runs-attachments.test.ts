// Attachments of a run on the real server (mock model): a multipart upload (`file`) is kept privately under a safe
// name and fed to memory through the upload path (searchable afterwards); unsafe names are cleaned, never followed;
// a file over the cap is a 413 and a binary or missing file a 400 naming the field — with nothing stored either
// way; an unknown run is a 404; JSON `{filename, text}` works on the same route (the typed protocol's shape).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { startServer, type TestServer } from '../helpers/server';

describe('run attachments', () => {
  let srv: TestServer;
  let runId = '';
  const json = async (r: Response) => ({ status: r.status, body: (await r.json()) as any });
  const post = async (p: string, body: unknown = {}) => json(await srv.fetch(p, { method: 'POST', body: JSON.stringify(body) }));
  const upload = async (id: string, name: string, content: string | Uint8Array<ArrayBuffer>, field = 'file') => {
    const form = new FormData();
    form.append(field, new Blob([content]), name);
    return json(await srv.fetch(`/api/runs/${id}/attachments`, { method: 'POST', body: form }));
  };
  const dir = () => path.join(srv.dataDir, 'attachments', runId);
  const batches = async () => (await json(await srv.fetch('/api/memory/batches?limit=100'))).body.total as number;

  before(async () => {
    srv = await startServer({ AGENTORA_USE_MOCK_OLLAMA: 'true', AGENTORA_MEMORY_EMBEDDINGS_ENABLED: 'false' });
    const team = await post('/api/teams/templates/research_summary');
    runId = (await post('/api/runs', { team_id: team.body.id, prompt: 'summarise the attached release notes' })).body.run_id;
  });
  after(() => srv.stop());

  test('a multipart file is stored privately and becomes searchable memory, listed with the run', async () => {
    const res = await upload(runId, 'release notes.md', '# Release\n\nThe release codeword is heliotrope.\n\n## Risks\n\nNone known.\n');
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const a = res.body.attachment;
    assert.equal(res.body.run_id, runId);
    assert.equal(a.filename, 'release notes.md');
    assert.equal(a.original_filename, null);
    assert.equal(a.format, 'markdown');
    assert.ok(a.chunks >= 1 && a.capsule_ids.length === a.chunks);
    // Private storage: the directory is the owner's only, the file too, and holds exactly the bytes sent.
    const files = readdirSync(dir());
    assert.equal(files.length, 1);
    assert.ok(files[0]!.endsWith('-release notes.md'));
    assert.equal(statSync(dir()).mode & 0o777, 0o700);
    assert.equal(statSync(path.join(dir(), files[0]!)).mode & 0o777, 0o600);
    assert.match(readFileSync(path.join(dir(), files[0]!), 'utf8'), /codeword is heliotrope/);
    // Memory through the upload path: source upload, one batch, found by a search.
    const mem = await json(await srv.fetch(`/api/memory/capsules?batch_id=${a.batch_id}`));
    const items = mem.body.items ?? mem.body;
    assert.ok(items.length >= 1 && items.every((m: any) => m.source === 'upload' && m.source_ref.startsWith('release notes.md#')));
    const found = await post('/api/capsules/search', { query: 'release codeword heliotrope', top_k: 3 });
    assert.ok(
      found.body.items.some((i: any) => /heliotrope/.test(i.text)),
      JSON.stringify(found.body).slice(0, 400),
    );
    const list = await json(await srv.fetch(`/api/runs/${runId}/attachments`));
    assert.deepEqual(
      list.body.items.map((i: any) => i.filename),
      ['release notes.md'],
    );
    const trace = await json(await srv.fetch(`/api/runs/${runId}/trace`));
    assert.ok(trace.body.trace.some((e: any) => e.event_type === 'attachment' && e.payload.batch_id === a.batch_id));
  });

  test('an unsafe name is cleaned (no path parts, not hidden), never followed', async () => {
    const res = await upload(runId, '../../.bashrc;rm -rf ~.txt', 'plain words to remember');
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.attachment.filename, 'bashrc_rm -rf _.txt');
    // (The multipart parser already drops the path part of a part's file name; the rest is ours.)
    assert.equal(res.body.attachment.original_filename, '.bashrc;rm -rf ~.txt');
    assert.ok(readdirSync(dir()).some((f) => f.endsWith('-bashrc_rm -rf _.txt')));
    // A name with path parts over JSON (no multipart parser in between): only the last part is kept.
    const viaJson = await post(`/api/runs/${runId}/attachments`, { filename: '../../../etc/cron.d/evil.txt', text: 'not a cron job' });
    assert.equal(viaJson.status, 201, JSON.stringify(viaJson.body));
    assert.equal(viaJson.body.attachment.filename, 'evil.txt');
    assert.ok(readdirSync(dir()).some((f) => f.endsWith('-evil.txt')));
    assert.equal(existsSync(path.join(srv.dataDir, '.bashrc;rm -rf ~.txt')), false);
  });

  test('too large → 413, binary or no file → 400 naming the field; nothing stored', async () => {
    const before = { files: readdirSync(dir()).length, batches: await batches() };
    const big = await upload(runId, 'big.txt', new Uint8Array(8 * 1024 * 1024 + 1).fill(97));
    assert.equal(big.status, 413, JSON.stringify(big.body));
    assert.match(big.body.message, /too large/i);
    const bin = await upload(runId, 'blob.txt', new Uint8Array([0, 1, 2, 3, 0, 5]));
    assert.equal(bin.status, 400);
    assert.match(JSON.stringify(bin.body), /content_base64.*binary/);
    const form = new FormData();
    form.append('note', 'no file here');
    const none = await json(await srv.fetch(`/api/runs/${runId}/attachments`, { method: 'POST', body: form }));
    assert.equal(none.status, 400);
    assert.deepEqual(
      none.body.issues.map((i: any) => i.path),
      ['file'],
    );
    assert.equal(readdirSync(dir()).length, before.files);
    assert.equal(await batches(), before.batches);
  });

  test('an unknown run is a 404 (nothing stored); JSON {filename, text} works on the same route', async () => {
    const missing = await upload('run_nope', 'a.txt', 'hello');
    assert.equal(missing.status, 404);
    assert.equal(existsSync(path.join(srv.dataDir, 'attachments', 'run_nope')), false);
    const viaJson = await post(`/api/runs/${runId}/attachments`, { filename: 'typed.txt', text: 'sent as JSON through the typed protocol shape' });
    assert.equal(viaJson.status, 201, JSON.stringify(viaJson.body));
    assert.equal(viaJson.body.attachment.filename, 'typed.txt');
    assert.equal((await json(await srv.fetch(`/api/runs/${runId}/attachments`))).body.items.length, 4);
  });
});
