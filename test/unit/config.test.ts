import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../server/src/config';

const dir = () => mkdtempSync(path.join(os.tmpdir(), 'agentora-cfg-'));

test('defaults: mock model and mock integrations on first launch, loopback port 8088', () => {
  const c = loadConfig({ env: {}, dotenvFiles: [], overrides: { dataDir: dir() } });
  assert.equal(c['models.useMock'], true);
  assert.equal(c['integrations.mock'], true);
  assert.equal(c['server.host'], '127.0.0.1');
  assert.equal(c['server.port'], 8088);
  assert.deepEqual(c['missions.mcpAllowedTools'], []);
});

test('precedence: defaults ← .env ← environment ← client settings', () => {
  const d = dir();
  const envFile = path.join(d, 'a.env');
  writeFileSync(
    envFile,
    'AGENTORA_PORT=9001\nAGENTORA_OLLAMA_CHAT_MODEL=from-file\nAGENTORA_MISSIONS_MCP_ALLOWED_TOOLS=get_mission, list_missions\n',
  );
  const c1 = loadConfig({ env: {}, dotenvFiles: [envFile], overrides: { dataDir: d } });
  assert.equal(c1['server.port'], 9001);
  assert.deepEqual(c1['missions.mcpAllowedTools'], ['get_mission', 'list_missions']);
  const c2 = loadConfig({ env: { AGENTORA_PORT: '9002' }, dotenvFiles: [envFile], overrides: { dataDir: d } });
  assert.equal(c2['server.port'], 9002);
  assert.equal(c2['models.chatModel'], 'from-file');
  const c3 = loadConfig({
    env: { AGENTORA_PORT: '9002', AGENTORA_USE_MOCK_OLLAMA: 'false' },
    dotenvFiles: [envFile],
    overrides: { dataDir: d, 'server.port': 9003 },
  });
  assert.equal(c3['server.port'], 9003);
  assert.equal(c3['models.useMock'], false);
});

test('a bad value is an error naming the variable, and nothing is half-loaded', () => {
  assert.throws(
    () => loadConfig({ env: { AGENTORA_PORT: 'eighty', AGENTORA_USE_MOCK_OLLAMA: 'perhaps' }, dotenvFiles: [], overrides: { dataDir: dir() } }),
    (e: unknown) => e instanceof ConfigError && /AGENTORA_PORT/.test(e.message) && /AGENTORA_USE_MOCK_OLLAMA/.test(e.message),
  );
});
