// Memories through the real server: create / read / update (history) / archive / restore / delete (tombstone),
// layers, promote / demote / refine (lineage), uploads (text, Markdown, PDF), JSON-RPC, and bad input.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { startServer, type TestServer } from '../helpers/server';

let s: TestServer;
before(async () => {
  s = await startServer({ AGENTORA_MEMORY_EMBED_INTERVAL_MS: '20' });
});
after(() => s?.stop());

async function call(path: string, body?: unknown, method = body === undefined ? 'GET' : 'POST') {
  const res = await s.fetch(path, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, body: (await res.json()) as any };
}
const create = async (body: Record<string, unknown>) => {
  const r = await call('/api/memory/capsules', body);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
};

/** A one-page PDF whose content stream is FlateDecode-compressed, drawing text with Tj and TJ. */
function makePdf(lines: string[]): Buffer {
  const content = `BT /F1 12 Tf 72 720 Td ${lines.map((l, i) => (i % 2 ? `[(${l.slice(0, 5)}) -20 (${l.slice(5)})] TJ` : `(${l.replace(/([()\\])/g, '\\$1')}) Tj`) + ' 0 -16 Td').join(' ')} ET`;
  const stream = deflateSync(Buffer.from(content, 'latin1'));
  const parts = [
    '%PDF-1.4\n',
    '1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n',
    '2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n',
    '3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >> endobj\n',
    `4 0 obj << /Length ${stream.length} /Filter /FlateDecode >>\nstream\n`,
  ];
  const tail = '\nendstream endobj\n5 0 obj << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n';
  return Buffer.concat([Buffer.from(parts.join(''), 'latin1'), stream, Buffer.from(tail, 'latin1')]);
}

test('create, read, list and layers; defaults are filled in and the memory is embedded in the background', async () => {
  const r = await create({ text: 'Deploys go through the staging cluster first.', kind: 'procedure', repo: 'agentora', persona: 'ops', trust: 0.8 });
  const c = r.capsule;
  assert.equal(c.kind, 'procedure');
  assert.equal(c.source, 'operator');
  assert.equal(c.scope, 'workspace');
  assert.equal(c.layer, 'episodic');
  assert.equal(c.repo, 'agentora');
  assert.equal(c.current, true);
  assert.equal(r.duplicate_of, null);
  const got = await call(`/api/memory/capsules/${c.capsule_id}`);
  assert.equal(got.body.capsule.text, 'Deploys go through the staging cluster first.');
  // Embedding happens off the request path: poll until the background embedder has stored the vector.
  for (let i = 0; i < 100 && !(await call(`/api/memory/capsules/${c.capsule_id}`)).body.capsule.embedded; i++)
    await new Promise((res) => setTimeout(res, 20));
  assert.equal((await call(`/api/memory/capsules/${c.capsule_id}`)).body.capsule.embedded, true);
  const list = await call('/api/memory/capsules?repo=agentora');
  assert.ok(list.body.items.some((i: any) => i.capsule_id === c.capsule_id));
  const layers = await call('/api/memory/layers');
  assert.deepEqual(
    layers.body.layers.map((l: any) => l.name),
    ['working', 'episodic', 'semantic', 'core'],
  );
  assert.ok(layers.body.layers.find((l: any) => l.name === 'episodic').count >= 1);
});

test('update keeps history; PATCH and POST both update; as_of reads the old text', async () => {
  const c = (await create({ text: 'The build uses Node 18.' })).capsule;
  const before = new Date().toISOString();
  await new Promise((r) => setTimeout(r, 5));
  const p1 = await call(`/api/memory/capsules/${c.capsule_id}`, { text: 'The build uses Node 20.', reason: 'upgrade' }, 'PATCH');
  assert.equal(p1.status, 200);
  assert.equal(p1.body.capsule.version, 2);
  const p2 = await call(`/api/memory/capsules/${c.capsule_id}`, { trust: 0.9 });
  assert.equal(p2.body.capsule.trust, 0.9);
  const h = await call(`/api/memory/capsules/${c.capsule_id}/history`);
  assert.deepEqual(
    h.body.versions.map((v: any) => [v.version, v.text, v.reason]),
    [
      [2, 'The build uses Node 20.', 'edited'],
      [1, 'The build uses Node 18.', 'upgrade'],
    ],
  );
  const old = await call(`/api/memory/capsules/${c.capsule_id}?as_of=${encodeURIComponent(before)}`);
  assert.equal(old.body.capsule.text, 'The build uses Node 18.');
  assert.equal(old.body.believed_at_as_of, true);
  const beforeCreation = await call(`/api/memory/capsules/${c.capsule_id}?as_of=2000-01-01T00:00:00Z`);
  assert.equal(beforeCreation.body.believed_at_as_of, false);
});

test('archive, restore and delete (tombstone); state conflicts are 409', async () => {
  const c = (await create({ text: 'Temporary note about flaky CI on Mondays.' })).capsule;
  assert.equal((await call(`/api/memory/capsules/${c.capsule_id}/archive`, {})).body.capsule.status, 'archived');
  assert.equal((await call(`/api/memory/capsules/${c.capsule_id}/archive`, {})).status, 409);
  assert.equal((await call(`/api/memory/capsules/${c.capsule_id}/restore`, {})).body.capsule.status, 'active');
  const del = await s.fetch(`/api/memory/capsules/${c.capsule_id}`, { method: 'DELETE' });
  const tomb = (await del.json()) as any;
  assert.equal(del.status, 200);
  assert.equal(tomb.capsule.status, 'deleted');
  assert.equal(tomb.capsule.text, '', 'the text is erased');
  assert.deepEqual((await call(`/api/memory/capsules/${c.capsule_id}/history`)).body.versions, [], 'and so is its history');
  assert.equal((await call(`/api/memory/capsules/${c.capsule_id}`, { text: 'x' }, 'PATCH')).status, 409);
  assert.equal((await call(`/api/memory/capsules/${c.capsule_id}/restore`, {})).status, 409);
});

test('promote / demote move between layers and stop at the ends; refine supersedes with lineage', async () => {
  const c = (await create({ text: 'Use pnpm for the web workspace.', layer: 'semantic' })).capsule;
  const up = await call(`/api/memory/capsules/${c.capsule_id}/promote`, {});
  assert.deepEqual([up.body.from_layer, up.body.to_layer], ['semantic', 'core']);
  assert.equal((await call(`/api/memory/capsules/${c.capsule_id}/promote`, {})).status, 409);
  const down = await call(`/api/memory/capsules/${c.capsule_id}/demote`, {});
  assert.equal(down.body.to_layer, 'semantic');

  const ref = await call(`/api/memory/capsules/${c.capsule_id}/refine`, { text: 'Use pnpm (v9) for the web workspace; npm for the extension.' });
  assert.equal(ref.status, 200);
  const neu = ref.body.capsule;
  assert.equal(ref.body.superseded.current, false);
  assert.ok(ref.body.superseded.valid_to);
  const lin = await call(`/api/memory/capsules/${neu.capsule_id}/lineage`);
  const edges = lin.body.edges.map((e: any) => `${e.from_id} ${e.relation} ${e.to_id}`).sort();
  assert.deepEqual(edges, [`${c.capsule_id} superseded_by ${neu.capsule_id}`, `${neu.capsule_id} derived_from ${c.capsule_id}`].sort());
  assert.deepEqual(lin.body.nodes.map((n: any) => n.capsule_id).sort(), [c.capsule_id, neu.capsule_id].sort());
  assert.equal(
    (await call(`/api/memory/capsules/${c.capsule_id}/refine`, { text: 'again' })).status,
    409,
    'a superseded memory is refined through its successor',
  );

  const derived = await create({ text: 'pnpm install --frozen-lockfile in CI.', derived_from: [neu.capsule_id] });
  const lin2 = await call(`/api/memory/capsules/${c.capsule_id}/lineage`);
  assert.ok(
    lin2.body.nodes.some((n: any) => n.capsule_id === derived.capsule.capsule_id),
    'lineage is walked transitively',
  );
});

test('an exact duplicate opens a proposal instead of being merged silently', async () => {
  const a = await create({ text: 'Staging database lives in eu-west-1.' });
  const b = await create({ text: 'staging   database lives in EU-WEST-1' });
  assert.equal(b.duplicate_of, a.capsule.capsule_id);
  assert.ok(b.proposal_id);
  assert.equal(b.capsule.status, 'active');
});

test('uploads: Markdown is chunked by headings with overlap; PDF text is extracted; each chunk records its source', async () => {
  const para = (n: number) => `Paragraph ${n} explains the release checklist step ${n} in enough words to take some room on the page.`;
  const md = `# Release guide\n\n${para(1)}\n\n${para(2)}\n\n## Rollback\n\n${para(3)}\n\n${para(4)}\n\n${para(5)}\n`;
  const up = await call('/api/memory/uploads', { filename: 'guide.md', text: md, max_chunk_chars: 260, overlap_chars: 40, repo: 'agentora' });
  assert.equal(up.status, 201, JSON.stringify(up.body));
  assert.equal(up.body.format, 'markdown');
  assert.ok(up.body.chunks >= 3);
  const chunks = await Promise.all(up.body.capsule_ids.map(async (id: number) => (await call(`/api/memory/capsules/${id}`)).body.capsule));
  for (const c of chunks) {
    assert.equal(c.source, 'upload');
    assert.match(c.source_ref, /^guide\.md#\d+\/\d+$/);
    assert.ok(c.text.length <= 260 + 50);
  }
  assert.ok(
    chunks.some((c) => c.text.startsWith('## Rollback')),
    'chunks of a section start with its heading',
  );
  const rollback = chunks.filter((c) => c.text.startsWith('## Rollback'));
  assert.ok(rollback.length >= 2 && rollback[1].text.includes('…'), 'consecutive chunks of a section overlap');

  const pdf = makePdf(['Invoices are archived after seven years.', 'The finance bucket is s3://acme-finance.']);
  const pu = await call('/api/memory/uploads', { filename: 'policy.pdf', content_base64: pdf.toString('base64') });
  assert.equal(pu.status, 201, JSON.stringify(pu.body));
  assert.equal(pu.body.format, 'pdf');
  const text = (await call(`/api/memory/capsules/${pu.body.capsule_ids[0]}`)).body.capsule.text;
  assert.match(text, /Invoices are archived after seven years\./);
  assert.match(text, /The finance bucket is s3:\/\/acme-finance\./);

  const b64 = await call('/api/memory/uploads', {
    filename: 'notes.txt',
    content_base64: Buffer.from('Plain text note about caching.').toString('base64'),
  });
  assert.equal(b64.body.format, 'text');
});

test('JSON-RPC reaches the same services', async () => {
  const rpc = async (method: string, params: unknown) =>
    (await s.fetch('/rpc', { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) })).json() as Promise<any>;
  const r = await rpc('agentora/memory/create', { text: 'Created over JSON-RPC.', source: 'chat' });
  assert.equal(r.result.capsule.source, 'chat');
  const g = await rpc('agentora/memory/get', { capsule_id: r.result.capsule.capsule_id });
  assert.equal(g.result.capsule.text, 'Created over JSON-RPC.');
  const bad = await rpc('agentora/memory/create', { text: 'x', layer: 'attic' });
  assert.equal(bad.error.code, -32602);
  assert.match(bad.error.message, /layer/);
});

test('bad input: clear 400s naming the field, 404 for unknown ids, nothing written', async () => {
  const before = (await call('/api/memory/capsules?status=all&limit=1')).body.total;
  const cases: [string, unknown, RegExp][] = [
    ['/api/memory/capsules', { text: '   ' }, /text/],
    ['/api/memory/capsules', { text: 'ok', trust: 2 }, /trust/],
    ['/api/memory/capsules', { text: 'ok', source: 'web' }, /source/],
    ['/api/memory/capsules', { text: 'ok', derived_from: ['x'] }, /derived_from/],
    ['/api/memory/uploads', { filename: 'a.txt' }, /content_base64/],
    ['/api/memory/uploads', { filename: 'a.txt', text: 'x', content_base64: 'eA==' }, /content_base64/],
    ['/api/memory/uploads', { filename: 'a.pdf', content_base64: '!!!' }, /content_base64/],
    [
      '/api/memory/uploads',
      { filename: 'a.pdf', content_base64: Buffer.from('%PDF-1.4 nothing here').toString('base64') },
      /cannot read the PDF: Invalid PDF structure/,
    ],
    ['/api/memory/uploads', { filename: 'a.bin', content_base64: Buffer.from([0, 1, 2, 3]).toString('base64') }, /binary/],
    ['/api/memory/capsules/1', { text: 'x', trust: -1 }, /trust/],
  ];
  for (const [path, body, re] of cases) {
    const r = await call(path, body);
    assert.equal(r.status, 400, `${path} ${JSON.stringify(body)} → ${JSON.stringify(r.body)}`);
    assert.match(r.body.message, re);
  }
  assert.equal((await call('/api/memory/capsules/abc')).status, 400);
  assert.equal((await call('/api/memory/capsules/999999')).status, 404);
  assert.match((await call('/api/memory/capsules/999999')).body.message, /memory '999999' not found/);
  assert.equal((await call('/api/memory/capsules/1?as_of=yesterday')).status, 400);
  assert.equal((await call('/api/memory/capsules/1', {}, 'PATCH')).status, 400);
  assert.equal((await call('/api/memory/capsules', { text: 'ok', derived_from: [999999] })).status, 404);
  assert.equal((await call('/api/memory/capsules?status=all&limit=1')).body.total, before, 'no memory was written by bad input');
});
