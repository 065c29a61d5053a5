// createMissionBridges with AGENTORA_INTEGRATIONS_MOCK=false: settings (env) → the real bridges, and one whole
// mission round trip through them against the fakes — context pack from PhiOS over stdio, launch and refresh on
// AgentCeption until done, artifacts, writeback — then close() stops the PhiOS child.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { createMissionBridges, UpstreamError } from '../../server/src/bridges/missions';
import type { PhiosMcpStdioBridge } from '../../server/src/bridges/missions/real';
import { loadConfig } from '../../server/src/config';
import { createLogger } from '../../server/src/log';
import { startFakeAgentception } from '../fakes/agentception';
import { phiosMcpEnv } from '../fakes/phios-mcp-command';

const log = createLogger('error');

test('real bridges from settings: a whole mission round trip against the fakes', async () => {
  const ac = await startFakeAgentception({ apiKey: 'k', autoComplete: 2 });
  const config = loadConfig({
    env: {
      AGENTORA_INTEGRATIONS_MOCK: 'false',
      AGENTORA_PHIOS_ENABLED: 'true',
      ...phiosMcpEnv({ PHIOS_MCP_PROFILE: 'operator' }),
      AGENTORA_AGENTCEPTION_ENABLED: 'true',
      AGENTORA_AGENTCEPTION_URL: ac.url,
      AGENTORA_AGENTCEPTION_API_KEY: 'k',
      AGENTORA_AGENTCEPTION_TIMEOUT_SECONDS: '0.3',
      AGENTORA_AGENTCEPTION_RETRIES: '1',
      AGENTORA_INTEGRATIONS_RETRY_BASE_MS: '5',
    },
    dotenvFiles: [],
    overrides: { dataDir: mkdtempSync(path.join(os.tmpdir(), 'agentora-bridges-')) },
  });
  const b = createMissionBridges(config, log);
  try {
    assert.equal(b.phios.transport, 'mcp-stdio');
    assert.equal(b.agentception.transport, 'http');

    const packet = await b.phios.contextPack({
      persona_id: 'default',
      repo: 'acme/widgets',
      mission_title: 'T',
      objective: 'O',
      operator_intent: '',
      constraints: [],
      session_id: 's-1',
    });
    assert.equal(packet.persona.name, 'The Architect');

    const launched = await b.agentception.launch({
      mode: config['agentception.launchMode'],
      role: config['agentception.role'],
      repo: 'acme/widgets',
      issue_title: 'T',
      issue_body: '# Brief',
      issue_number: 3,
    });
    assert.equal(launched.state, 'running');
    let status = await b.agentception.status(launched.run_id);
    for (let i = 0; i < 5 && status.state !== 'succeeded'; i++)
      status = await b.agentception.status(launched.run_id, { after_event_id: status.events.at(-1)?.id ?? 0 });
    assert.equal(status.state, 'succeeded');
    assert.ok(status.pr_url);
    assert.ok((await b.agentception.artifacts(launched.run_id)).length > 0);

    const wb = await b.phios.writeback({
      mission_id: 'm',
      session_id: packet.session_id,
      repo: 'acme/widgets',
      persona_name: packet.persona.name,
      run_id: launched.run_id,
      summary: status.summary ?? '',
      outcome_status: status.state,
      pr_url: status.pr_url,
      branch: status.branch,
      operator_notes: '',
      tags: [],
    });
    assert.equal(wb.ok, true, wb.message);

    // Settings reached the HTTP client: 0.3 s read timeout, 1 retry.
    await ac.setMode('slow', { slowMs: 2000 });
    const before = ac.count((h) => h.path.endsWith('/memory'));
    const t0 = Date.now();
    const err = await b.agentception.artifacts(launched.run_id).then(
      () => null,
      (e) => e,
    );
    assert.ok(err instanceof UpstreamError && err.kind === 'timeout');
    assert.ok(Date.now() - t0 < 1500);
    assert.equal(ac.count((h) => h.path.endsWith('/memory')) - before, 2);
  } finally {
    const pid = (b.phios as PhiosMcpStdioBridge).pid;
    await b.close();
    assert.equal((b.phios as PhiosMcpStdioBridge).pid, null);
    if (pid) assert.throws(() => process.kill(pid, 0), 'the PhiOS child is gone after close()');
    await ac.stop();
  }
});
