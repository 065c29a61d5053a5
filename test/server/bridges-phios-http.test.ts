// The PhiOS `http` compatibility transport against the fake HTTP service: route fallbacks on 404, lenient
// packets, bearer key, writeback denied, slow / garbage / refused.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PhiosHttpBridge } from '../../server/src/bridges/missions/phios/http';
import { type ContextPackRequest, MissionContextPacket, UpstreamError, type WritebackRequest } from '../../server/src/bridges/missions/types';
import { type FakePhiosHttp, startFakePhiosHttp } from '../fakes/phios-http';

const KEY = 'phi-key';
const bridgeFor = (url: string, o: Partial<ConstructorParameters<typeof PhiosHttpBridge>[0]> = {}) =>
  new PhiosHttpBridge({ baseUrl: url, apiKey: KEY, connectTimeoutMs: 500, readTimeoutMs: 500, retries: 2, retryBaseMs: 5, ...o });

const packReq: ContextPackRequest = {
  persona_id: 'architect',
  repo: 'acme/widgets',
  mission_title: 'Add caching',
  objective: 'Cache the widget list',
  operator_intent: '',
  constraints: [],
  session_id: 'agentora-s-1',
};
const wbReq: WritebackRequest = {
  mission_id: 'm1',
  session_id: 'agentora-s-1',
  repo: 'acme/widgets',
  persona_name: 'The Architect',
  run_id: 'issue-1',
  summary: 'done',
  outcome_status: 'succeeded',
  pr_url: null,
  branch: null,
  operator_notes: '',
  tags: [],
};

async function kindOf(p: Promise<unknown>): Promise<UpstreamError> {
  const e = await p.then(
    () => null,
    (x) => x,
  );
  assert.ok(e instanceof UpstreamError, `expected UpstreamError, got ${String(e)}`);
  assert.ok(e.fix_hint);
  return e;
}

describe('PhiOS http bridge', () => {
  let fake: FakePhiosHttp;
  let phios: PhiosHttpBridge;
  before(async () => {
    fake = await startFakePhiosHttp({ apiKey: KEY, slowMs: 1500 });
    phios = bridgeFor(fake.url);
  });
  after(() => fake.stop());

  test('health with bearer key', async () => {
    const h = await phios.health();
    assert.equal(h.ok, true, h.detail);
    assert.equal(fake.hits.at(-1)!.authorization, `Bearer ${KEY}`);
  });

  test('context pack: /mission/context-pack 404 → /context/pack; lenient packet, unknown and malformed fields in raw', async () => {
    const p = await phios.contextPack(packReq);
    MissionContextPacket.parse(p);
    assert.equal(fake.count('/mission/context-pack'), 1);
    assert.equal(fake.count('/context/pack'), 1);
    assert.equal(p.source, 'phios-http');
    assert.equal(p.session_id, 'agentora-s-1');
    assert.equal(p.persona.name, 'The Architect');
    assert.equal(p.mission_title, 'Add caching');
    assert.equal(p.memory_snippets[0]!.text, 'Prefer small PRs');
    assert.equal(p.risk_flags[0]!.severity, 'high');
    assert.deepEqual(p.success_criteria, [], 'malformed field falls back to its default');
    assert.equal(p.raw.success_criteria, 'not-a-list');
    assert.equal(p.raw.coherence, 0.72);
    assert.equal(p.generated_at, '2026-03-01T00:00:00Z');
    const sent = fake.hits.find((h) => h.path === '/context/pack')!.body as Record<string, unknown>;
    assert.equal(sent.topic, 'agentora:acme/widgets');
    assert.equal(sent.session_id, 'agentora-s-1');
  });

  test('writeback: /mission/writeback 404 → /memory/write', async () => {
    const r = await phios.writeback(wbReq);
    assert.deepEqual(r, { ok: true, ref: 'w1' });
    assert.equal(fake.count('/mission/writeback'), 1);
    assert.equal(fake.count('/memory/write'), 1);
    assert.equal((fake.writes[0] as { run_id: string }).run_id, 'issue-1');
  });

  test('persona: GET /persona/{id}; 404 → null', async () => {
    assert.equal((await phios.persona('architect'))?.name, 'The Architect');
    assert.equal(await phios.persona('nobody'), null);
  });

  test('401 without the key', async () => {
    const e = await kindOf(bridgeFor(fake.url, { apiKey: '' }).contextPack(packReq));
    assert.equal(e.kind, 'unauthorized');
    assert.match(e.fix_hint, /AGENTORA_PHIOS_API_KEY/);
  });

  test('slow: read timeout, context pack retried (bounded), writeback not retried', async () => {
    await fake.setMode('slow', { slowMs: 1500 });
    try {
      const slow = bridgeFor(fake.url, { readTimeoutMs: 150, retries: 1 });
      const before = fake.count('/mission/context-pack');
      const e = await kindOf(slow.contextPack(packReq));
      assert.equal(e.kind, 'timeout');
      assert.match(e.message, /read timeout/);
      assert.equal(fake.count('/mission/context-pack') - before, 2);
      const wb = fake.count('/mission/writeback');
      assert.equal((await kindOf(slow.writeback(wbReq))).kind, 'timeout');
      assert.equal(fake.count('/mission/writeback') - wb, 1);
    } finally {
      await fake.setMode('normal');
    }
  });

  test('garbage: bad_reply', async () => {
    await fake.setMode('garbage');
    try {
      assert.equal((await kindOf(phios.contextPack(packReq))).kind, 'bad_reply');
      assert.equal((await phios.health()).ok, false);
    } finally {
      await fake.setMode('normal');
    }
  });

  test('refused: nothing listening', async () => {
    await fake.setMode('down');
    try {
      const e = await kindOf(phios.contextPack(packReq));
      assert.equal(e.kind, 'refused');
      assert.match(e.fix_hint, /AGENTORA_PHIOS_URL/);
    } finally {
      await fake.setMode('normal');
    }
  });
});

test('PhiOS http: a service with the new routes needs no fallback; denied writes carry the fix', async () => {
  const fake = await startFakePhiosHttp({ newPaths: true, denyWrites: true });
  try {
    const phios = bridgeFor(fake.url, { apiKey: '' });
    await phios.contextPack(packReq);
    assert.equal(fake.count('/context/pack'), 0);
    const r = await phios.writeback(wbReq);
    assert.equal(r.ok, false);
    assert.equal(r.error_code, 'AGENT_MEMORY_WRITE_NOT_PERMITTED');
    assert.match(r.fix_hint ?? '', /PHIOS_MCP_PROFILE=operator/);
    assert.equal(fake.count('/memory/write'), 0);
    assert.equal(fake.hits.find((h) => h.path === '/mission/writeback')!.authorization, undefined, 'no key, no header');
  } finally {
    await fake.stop();
  }
});

test('PhiOS http: neither route → not_found naming both paths', async () => {
  const { createServer } = await import('node:http');
  const srv = createServer((_q, s) => s.writeHead(404, { 'content-type': 'application/json' }).end('{"detail":"Not Found"}'));
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  try {
    const port = (srv.address() as { port: number }).port;
    const e = await kindOf(bridgeFor(`http://127.0.0.1:${port}`).contextPack(packReq));
    assert.equal(e.kind, 'not_found');
    assert.match(e.message, /\/mission\/context-pack and \/context\/pack/);
  } finally {
    srv.closeAllConnections();
    await new Promise((r) => srv.close(r));
  }
});
