// Drift checks between the one contract and what is declared elsewhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ALL_COMMAND_IDS } from '../../extension/src/commands/ids';
import { allSettings } from '../../server/src/config';
import { allMethods, allNotifications } from '../../server/src/protocol';

const ROOT = path.resolve(__dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

test('every command in the manifest is implemented, and every implemented command is in the manifest', () => {
  const declared = pkg.contributes.commands.map((c: { command: string }) => c.command).sort();
  assert.deepEqual(declared, [...ALL_COMMAND_IDS].sort());
  for (const c of pkg.contributes.commands) assert.equal(c.category, 'Agentora');
});

test('manifest basics: engine, activity-bar container, status and settings with descriptions', () => {
  assert.equal(pkg.engines.vscode, '^1.100.0');
  assert.equal(pkg.contributes.viewsContainers.activitybar[0].id, 'agentora');
  const props = pkg.contributes.configuration.properties;
  for (const s of allSettings) {
    const key = `agentora.${s.key}`;
    if (s.secret || ('standaloneOnly' in s && s.standaloneOnly)) assert.equal(props[key], undefined, `${key} must not be a plain setting`);
    else {
      assert.ok(props[key], `${key} missing from package.json (run npx tsx scripts/gen-settings.ts)`);
      assert.deepEqual(props[key].default, s.default, `${key} default drifted`);
      assert.ok(props[key].description.length > 10);
    }
  }
});

test('.env.example lists every AGENTORA_* variable of the settings and of the original brief', () => {
  const example = readFileSync(path.join(ROOT, '.env.example'), 'utf8');
  // The brief sits in ../shared beside the project (as in CI); a bare clone elsewhere checks the settings only.
  const briefFile = path.join(ROOT, '../shared/brief/original-product-notes.txt');
  const brief = existsSync(briefFile) ? readFileSync(briefFile, 'utf8') : '';
  const wanted = new Set([...allSettings.map((s) => s.env), ...(brief.match(/AGENTORA_[A-Z0-9_]+/g) ?? [])]);
  for (const v of wanted) assert.match(example, new RegExp(`^#? ?${v}=`, 'm'), `${v} missing from .env.example`);
});

test('method and notification names follow agentora/<area>/<verb> and are unique; REST routes are unique', () => {
  const names = allMethods.map((m) => m.method);
  assert.equal(new Set(names).size, names.length);
  for (const n of names) assert.match(n, /^agentora\/[a-z]\w*\/[a-z]\w*$/);
  for (const n of allNotifications) assert.match(n.name, /^agentora\/[a-z]\w*\/did[A-Z]\w*$/);
  const routes = allMethods.flatMap((m) => (m.rest ? (Array.isArray(m.rest) ? m.rest : [m.rest]) : [])).map((r) => `${r.verb} ${r.path}`);
  assert.equal(new Set(routes).size, routes.length);
});

test('docs/api.md and docs/settings.md are generated from the current contract and settings', async () => {
  const { renderApiDoc, renderSettingsDoc, renderCalls } = await import('../../scripts/gen-docs');
  const stale = 'stale: run `npx tsx scripts/gen-docs.ts`';
  assert.equal(readFileSync(path.join(ROOT, 'docs/api.md'), 'utf8'), renderApiDoc(), `docs/api.md ${stale}`);
  assert.equal(readFileSync(path.join(ROOT, 'server/src/protocol/calls.gen.ts'), 'utf8'), renderCalls(), `calls.gen.ts ${stale}`);
  assert.equal(readFileSync(path.join(ROOT, 'docs/settings.md'), 'utf8'), renderSettingsDoc(), `docs/settings.md ${stale}`);
});
