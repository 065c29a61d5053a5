// The doctor calls each real bridge's health() when integrations are not mocked: proven on the real server
// process against the fakes (PhiOS spawned over stdio, AgentCeption with an API key), and against failures.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AUTH_401_BODY, startFakeAgentception } from '../fakes/agentception';
import { phiosMcpEnv } from '../fakes/phios-mcp-command';
import { startServer } from '../helpers/server';

interface Item {
  key: string;
  ok: boolean;
  severity: string;
  detail: string;
  fix_hint: string;
}
const doctor = async (s: Awaited<ReturnType<typeof startServer>>) =>
  ((await (await s.fetch('/api/system/doctor')).json()) as { items: Item[] }).items;

test('doctor: real PhiOS (mcp-stdio) and AgentCeption (with key) both answer', async () => {
  const ac = await startFakeAgentception({ apiKey: 'k1' });
  const s = await startServer({
    AGENTORA_INTEGRATIONS_MOCK: 'false',
    AGENTORA_PHIOS_ENABLED: 'true',
    ...phiosMcpEnv(),
    AGENTORA_AGENTCEPTION_ENABLED: 'true',
    AGENTORA_AGENTCEPTION_URL: ac.url,
    AGENTORA_AGENTCEPTION_API_KEY: 'k1',
  });
  try {
    const items = await doctor(s);
    const phios = items.find((i) => i.key === 'phios')!;
    const agent = items.find((i) => i.key === 'agentception')!;
    assert.equal(phios.severity, 'ok', phios.detail);
    assert.match(phios.detail, /PhiOS MCP server .* answers \(\d+ tools\)/);
    assert.equal(agent.severity, 'ok', agent.detail);
    assert.ok(ac.count((h) => h.path === '/health') >= 1);
    assert.ok(ac.count((h) => h.path === '/api/mcp' && h.authorization === 'Bearer k1') >= 1, 'the key is checked, not just /health');
  } finally {
    await s.stop();
    await ac.stop();
  }
});

test('doctor: wrong AgentCeption key shows the exact 401; missing PhiOS command names the fix; fast', async () => {
  const ac = await startFakeAgentception({ apiKey: 'right' });
  const s = await startServer({
    AGENTORA_INTEGRATIONS_MOCK: 'false',
    AGENTORA_PHIOS_ENABLED: 'true',
    AGENTORA_PHIOS_COMMAND: 'phi-mcp-not-installed-here',
    AGENTORA_AGENTCEPTION_ENABLED: 'true',
    AGENTORA_AGENTCEPTION_URL: ac.url,
    AGENTORA_AGENTCEPTION_API_KEY: 'wrong',
  });
  try {
    const items = await doctor(s);
    const phios = items.find((i) => i.key === 'phios')!;
    assert.equal(phios.severity, 'error');
    assert.match(phios.fix_hint, /pip install phios/);
    const agent = items.find((i) => i.key === 'agentception')!;
    assert.equal(agent.severity, 'error');
    assert.ok(agent.detail.includes(AUTH_401_BODY.detail), agent.detail);
    assert.match(agent.fix_hint, /AGENTORA_AGENTCEPTION_API_KEY/);

    await ac.setMode('slow', { slowMs: 10_000 });
    const t0 = Date.now();
    const slow = (await doctor(s)).find((i) => i.key === 'agentception')!;
    assert.equal(slow.severity, 'error');
    assert.match(slow.detail, /read timeout/);
    assert.ok(Date.now() - t0 < 5000, 'the doctor does not wait for a hung service');
  } finally {
    await s.stop();
    await ac.stop();
  }
});
