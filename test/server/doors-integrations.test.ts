// Integration doors (issue 9 #1, #2, #13):
// - the HTTP API cannot set a command to run (PhiOS command / args / env, or the mcp-stdio transport): 400 naming
//   the field and where to set it instead, and nothing is written;
// - an API key goes only to the origin it was stored for: after the URL moves, the new server never sees it, and
//   the doctor says so;
// - the MCP resource agentora://missions/{id} obeys the allowed-tools list like get_mission.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import Database from 'better-sqlite3';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startFakeAgentception } from '../fakes/agentception';
import { startServer } from '../helpers/server';

type Json = Record<string, any>;

describe('POST /api/integrations/enable cannot make the server run a program', () => {
  test('command, args, env and transport mcp-stdio are refused with the field and the fix; nothing is written', async () => {
    const s = await startServer({ AGENTORA_INTEGRATIONS_MOCK: 'false' });
    try {
      const attempts: [config: Json, field: RegExp][] = [
        [{ transport: 'mcp-stdio', command: '/usr/bin/touch' }, /config\.command/],
        [{ command: '/bin/sh' }, /config\.command/],
        [{ transport: 'mcp-stdio' }, /config\.transport/],
        [{ args: ['-c', 'id'] }, /args/],
        [{ env: ['LD_PRELOAD=/tmp/x.so'] }, /env/],
      ];
      for (const [config, field] of attempts) {
        const res = await s.fetch('/api/integrations/enable', { method: 'POST', body: JSON.stringify({ name: 'phios', enabled: true, config }) });
        const body = (await res.json()) as Json;
        assert.equal(res.status, 400, JSON.stringify(config));
        assert.match(body.message, field);
        if (config.command || config.transport) assert.match(body.message, /VS Code settings .*config\.env/);
      }
      assert.equal(existsSync(path.join(s.dataDir, 'config.env')), false, 'nothing was written');
      const status = (await (await s.fetch('/api/integrations/status')).json()) as Json;
      assert.equal(status.phios.enabled, false);
      // The operator's own surfaces are untouched: an http URL is still fine through the API.
      const ok = await s.fetch('/api/integrations/enable', {
        method: 'POST',
        body: JSON.stringify({ name: 'phios', enabled: false, config: { transport: 'http', url: 'http://127.0.0.1:9' } }),
      });
      assert.equal(ok.status, 200);
      assert.doesNotMatch(readFileSync(path.join(s.dataDir, 'config.env'), 'utf8'), /COMMAND|ARGS|_ENV=/);
    } finally {
      await s.stop();
    }
  });
});

describe('API keys are bound to the origin they were stored for', () => {
  test('moving agentception.url to another server does not carry the key there; the doctor says so; binding on purpose restores it', async () => {
    const first = await startFakeAgentception({ apiKey: 'k-first' });
    const second = await startFakeAgentception({ apiKey: 'k-first' });
    // The operator's config file names the first server; the key comes from the environment (as a secret should).
    // (Not the URL in the environment: that layer would win over the API's change below.)
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'agentora-keys-'));
    writeFileSync(path.join(dataDir, 'config.env'), `AGENTORA_AGENTCEPTION_ENABLED=true\nAGENTORA_AGENTCEPTION_URL=${first.url}\n`);
    const s = await startServer(
      { AGENTORA_INTEGRATIONS_MOCK: 'false', AGENTORA_AGENTCEPTION_API_KEY: 'k-first', AGENTORA_AGENTCEPTION_CONNECT_TIMEOUT_SECONDS: '1' },
      15000,
      { dataDir },
    );
    try {
      const doctor = async () => ((await (await s.fetch('/api/system/doctor')).json()) as { items: Json[] }).items;
      const d1 = await doctor();
      assert.equal(d1.find((i) => i.key === 'agentception')!.severity, 'ok');
      assert.ok(first.count((h) => h.authorization === 'Bearer k-first') >= 1, 'the first server got the key it was stored for');
      assert.equal(
        d1.find((i) => i.key === 'api_key_origins'),
        undefined,
      );

      // The attack: whoever holds the API points the URL at a server of theirs.
      const moved = await s.fetch('/api/integrations/enable', {
        method: 'POST',
        body: JSON.stringify({ name: 'agentception', enabled: true, config: { url: second.url } }),
      });
      assert.equal(moved.status, 200);
      await s.fetch('/api/integrations/runs/launch', {
        method: 'POST',
        body: JSON.stringify({ repo: 'acme/k', mission_title: 'K', objective: 'try the key', issue_number: 9 }),
      });
      const d2 = await doctor();
      assert.ok(second.hits.length >= 1, 'the second server was called');
      assert.equal(
        second.count((h) => h.authorization !== undefined),
        0,
        'the second server never saw an Authorization header',
      );
      const item = d2.find((i) => i.key === 'api_key_origins')!;
      assert.equal(item.severity, 'warn');
      assert.ok(item.detail.includes(new URL(first.url).origin) && item.detail.includes(new URL(second.url).origin), item.detail);
      assert.match(item.fix_hint, /re-enter its key|bind/);

      // The operator moved it on purpose: bind the key to the new origin.
      const bound = await s.fetch('/api/credentials/api-keys/agentception/bind', { method: 'POST', body: '{}' });
      assert.equal(bound.status, 200);
      await doctor();
      assert.ok(second.count((h) => h.authorization === 'Bearer k-first') >= 1, 'after binding, the key goes to the new origin');
    } finally {
      await s.stop();
      await first.stop();
      await second.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('MCP resource agentora://missions/{id} obeys the allowed-tools list', () => {
  test('refused (and recorded) when get_mission is not allowed; served when it is', async () => {
    for (const allowed of ['list_missions,prepare_mission', 'get_mission,prepare_mission']) {
      const s = await startServer({ AGENTORA_MISSIONS_MCP_ENABLED: 'true', AGENTORA_MISSIONS_MCP_ALLOWED_TOOLS: allowed });
      try {
        const c = new Client({ name: 't', version: '1' });
        await c.connect(
          new StreamableHTTPClientTransport(new URL(`${s.url}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${s.token}` } } }),
        );
        const prep: any = await c.callTool({ name: 'prepare_mission', arguments: { repo: 'acme/res', mission_title: 'Res', objective: 'Read me' } });
        const runId = prep.structuredContent.run_id;
        if (allowed.includes('get_mission')) {
          const res = await c.readResource({ uri: `agentora://missions/${runId}` });
          assert.match(String((res.contents[0] as { text?: string }).text), new RegExp(runId));
        } else {
          await assert.rejects(c.readResource({ uri: `agentora://missions/${runId}` }), /get_mission.*not in AGENTORA_MISSIONS_MCP_ALLOWED_TOOLS/);
          const db = new Database(path.join(s.dataDir, 'agentora.db'), { readonly: true });
          try {
            const rows = db.prepare("SELECT note FROM mission_decisions WHERE type = 'policy_blocked_action' AND mission_id = ?").all(runId) as {
              note: string;
            }[];
            assert.equal(rows.length, 1, 'the refusal is recorded on the mission');
            assert.match(rows[0]!.note, /Resource agentora:\/\/missions\/.* is refused/);
          } finally {
            db.close();
          }
        }
        await c.close();
      } finally {
        await s.stop();
      }
    }
  });
});
