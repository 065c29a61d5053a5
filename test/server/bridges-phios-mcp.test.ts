// The real PhiOS mcp-stdio bridge against the fake PhiOS MCP server (a stdio server written with the SDK):
// context pack from the three resources, writeback through phi_store_deliberation, capability denied with its
// fix, lazy start + reuse + restart after the child dies, close() kills it, spawn failure, timeouts.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { PhiosMcpStdioBridge, type PhiosMcpStdioOptions } from '../../server/src/bridges/missions/phios/mcpStdio';
import { type ContextPackRequest, MissionContextPacket, UpstreamError, type WritebackRequest } from '../../server/src/bridges/missions/types';
import { phiosMcpCommand } from '../fakes/phios-mcp-command';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'agentora-phios-mcp-'));
const { command, args } = phiosMcpCommand();

function bridge(env: Record<string, string> = {}, o: Partial<PhiosMcpStdioOptions> = {}): PhiosMcpStdioBridge {
  return new PhiosMcpStdioBridge({ command, args, env, connectTimeoutMs: 10_000, readTimeoutMs: 2000, retries: 1, retryBaseMs: 5, ...o });
}

const packReq = (o: Partial<ContextPackRequest> = {}): ContextPackRequest => ({
  persona_id: 'default',
  repo: 'acme/widgets',
  mission_title: 'Add caching',
  objective: 'Cache the widget list',
  operator_intent: 'faster list',
  constraints: ['no new deps'],
  session_id: 'agentora-session-1',
  ...o,
});

const wbReq = (o: Partial<WritebackRequest> = {}): WritebackRequest => ({
  mission_id: 'm1',
  session_id: 'agentora-session-1',
  repo: 'acme/widgets',
  persona_name: 'The Architect',
  run_id: 'issue-7',
  summary: 'Cached the widget list; p99 down 40%',
  outcome_status: 'succeeded',
  pr_url: 'https://github.com/acme/widgets/pull/9',
  branch: 'agent/issue-7',
  operator_notes: '',
  tags: ['agentora', 'mission'],
  ...o,
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
async function until(what: string, fn: () => boolean, ms = 5000) {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('PhiOS mcp-stdio bridge (write allowed)', () => {
  const store = path.join(tmp, 'store.jsonl');
  const log = path.join(tmp, 'calls.log');
  const phios = bridge({ PHIOS_MCP_PROFILE: 'operator', FAKE_PHIOS_STORE: store, FAKE_PHIOS_LOG: log });
  after(() => phios.close());

  test('lazy: nothing spawned until the first call', () => {
    assert.equal(phios.pid, null);
  });

  test('health: the server answers and has phi_store_deliberation', async () => {
    const h = await phios.health();
    assert.equal(h.ok, true, h.detail);
    assert.equal(h.transport, 'mcp-stdio');
    assert.ok(phios.pid);
  });

  test('context pack: three resources → a strict MissionContextPacket, Agentora session id, raw kept', async () => {
    const p = await phios.contextPack(packReq());
    MissionContextPacket.parse(p); // strict shape holds
    assert.equal(p.source, 'phios-mcp');
    assert.equal(p.session_id, 'agentora-session-1', 'PhiOS gives none: ours is used');
    assert.equal(p.persona.name, 'The Architect');
    assert.equal(p.persona.id, 'the-architect');
    assert.deepEqual(p.persona.goals, ['clear seams']);
    assert.equal(p.mission_title, 'Add caching');
    assert.equal(p.mission_objective, 'Cache the widget list');
    assert.equal(p.repo, 'acme/widgets');
    assert.deepEqual(p.constraints, ['no new deps']);
    assert.deepEqual(p.recommended_next_actions, ['Review open pull requests first']);
    assert.match(p.summary, /session: active/);
    assert.ok(p.raw.session && p.raw.recommendation && p.raw.memory, 'the resources are kept verbatim in raw');
    const calls = readFileSync(log, 'utf8');
    assert.match(calls, /read phios:\/\/agents\/memory\/agentora:acme\/widgets/, 'topic derived from the repo');
  });

  test('writeback: phi_store_deliberation with the contract arguments; then it shows up as memory', async () => {
    const r = await phios.writeback(wbReq());
    assert.equal(r.ok, true, r.message);
    assert.ok(r.ref);
    const stored = readFileSync(store, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(stored.length, 1);
    const d = stored[0];
    assert.equal(d.topic, 'agentora:acme/widgets');
    assert.equal(d.outcome, 'Cached the widget list; p99 down 40%');
    assert.equal(d.winning_figure, 'The Architect');
    assert.deepEqual(d.positions, []);
    assert.deepEqual(d.coherence_trace, []);
    assert.deepEqual(d.tags, ['agentora', 'mission']);
    assert.equal(d.run_id, 'issue-7');
    assert.deepEqual(d.recommendation, { pr_url: 'https://github.com/acme/widgets/pull/9', branch: 'agent/issue-7', outcome_status: 'succeeded' });

    const p = await phios.contextPack(packReq());
    assert.equal(p.memory_snippets.length, 1);
    assert.equal(p.memory_snippets[0]!.text, 'Cached the widget list; p99 down 40%');
    assert.equal(p.memory_snippets[0]!.source, 'phios://agents/memory/agentora:acme/widgets');
  });

  test('writeback without a run id or PR still works (nothing refused for lack of a session)', async () => {
    const r = await phios.writeback(wbReq({ run_id: null, pr_url: null, branch: null, session_id: '' }));
    assert.equal(r.ok, true);
  });

  test('persona: from the recommendation resource; unknown id → null', async () => {
    const p = await phios.persona('the-architect');
    assert.equal(p?.name, 'The Architect');
    assert.equal((await phios.persona('default'))?.id, 'the-architect');
    assert.equal(await phios.persona('someone-else'), null);
  });

  test('one child reused across calls; a dead child is replaced on the next call; close() kills it', async () => {
    const pid = phios.pid!;
    await phios.persona('default');
    assert.equal(phios.pid, pid, 'reused');
    process.kill(pid, 'SIGKILL');
    await until('the bridge to notice the exit', () => phios.pid === null);
    const p = await phios.contextPack(packReq());
    assert.equal(p.persona.name, 'The Architect');
    const pid2 = phios.pid!;
    assert.ok(pid2 && pid2 !== pid, 'a new child');
    await phios.close();
    assert.equal(phios.pid, null);
    await until('the child to exit', () => !alive(pid2));
    assert.equal((await phios.health()).ok, true, 'usable again after close (starts a new child)');
  });
});

test('capability denied: AGENT_MEMORY_WRITE_NOT_PERMITTED → ok:false with the PHIOS_MCP_* fix', async () => {
  const phios = bridge({}); // the real PhiOS default: agent_memory_write off
  try {
    const r = await phios.writeback(wbReq());
    assert.equal(r.ok, false);
    assert.equal(r.error_code, 'AGENT_MEMORY_WRITE_NOT_PERMITTED');
    assert.match(r.fix_hint ?? '', /PHIOS_MCP_CAPABILITIES=.*agent_memory_write/);
    assert.match(r.fix_hint ?? '', /PHIOS_MCP_PROFILE=operator/);
    assert.match(r.message ?? '', /agent_memory_write/);
    // Reads still work without the capability.
    assert.equal((await phios.contextPack(packReq())).source, 'phios-mcp');
  } finally {
    await phios.close();
  }
});

test('PhiOS session id is used when it gives one', async () => {
  const phios = bridge({ FAKE_PHIOS_SESSION_ID: 'phios-s-9' });
  try {
    assert.equal((await phios.contextPack(packReq())).session_id, 'phios-s-9');
  } finally {
    await phios.close();
  }
});

test('spawn failure (ENOENT) → refused with the install / agentora.phios.command hint', async () => {
  const phios = new PhiosMcpStdioBridge({
    command: 'phi-mcp-does-not-exist-xyz',
    args: [],
    env: {},
    connectTimeoutMs: 2000,
    readTimeoutMs: 500,
    retries: 2,
    retryBaseMs: 5,
  });
  const err = await phios.contextPack(packReq()).then(
    () => null,
    (e) => e,
  );
  assert.ok(err instanceof UpstreamError);
  assert.equal(err.kind, 'refused');
  assert.equal(err.system, 'phios');
  assert.match(err.message, /ENOENT/);
  assert.match(err.fix_hint, /pip install phios/);
  assert.match(err.fix_hint, /agentora\.phios\.command/);
  const h = await phios.health();
  assert.equal(h.ok, false);
  assert.match(h.fix_hint, /agentora\.phios\.command/);
  await assert.rejects(phios.writeback(wbReq()), (e: unknown) => e instanceof UpstreamError && e.kind === 'refused');
  await phios.close();
});

test('connect timeout: a server that never finishes the handshake', async () => {
  const phios = bridge({ FAKE_PHIOS_START_DELAY_MS: '5000' }, { connectTimeoutMs: 400, retries: 0 });
  try {
    const t0 = Date.now();
    const err = await phios.contextPack(packReq()).then(
      () => null,
      (e) => e,
    );
    assert.ok(err instanceof UpstreamError);
    assert.equal(err.kind, 'timeout');
    assert.match(err.message, /connect timeout/);
    assert.match(err.fix_hint, /AGENTORA_PHIOS_CONNECT_TIMEOUT_SECONDS/);
    assert.ok(Date.now() - t0 < 3000);
    assert.equal(phios.pid, null, 'the half-started child was dropped');
  } finally {
    await phios.close();
  }
});

test('read timeout: slow answers time out per call; retries bounded (fresh child each time)', async () => {
  const log = path.join(tmp, 'slow.log');
  const phios = bridge({ FAKE_PHIOS_DELAY_MS: '3000', FAKE_PHIOS_LOG: log }, { readTimeoutMs: 300, retries: 1 });
  try {
    await phios.health(); // started (health lists tools, which is not delayed)
    const err = await phios.persona('default').then(
      () => null,
      (e) => e,
    );
    assert.ok(err instanceof UpstreamError);
    assert.equal(err.kind, 'timeout');
    assert.match(err.message, /read timeout/);
    await until(
      'both attempts logged',
      () =>
        readFileSync(log, 'utf8')
          .split('\n')
          .filter((l) => l.includes('recommendation')).length === 2,
      3000,
    );
  } finally {
    await phios.close();
  }
});
