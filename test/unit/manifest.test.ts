// Drift checks between the one contract and what is declared elsewhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ALL_COMMAND_IDS } from '../../extension/src/commands/ids';
import { allSettings } from '../../server/src/config';
import { allMethods, allNotifications } from '../../server/src/protocol';
import { manifestProperties } from '../../scripts/gen-settings';

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
      assert.ok(props[key].description.length > 10);
    }
  }
});

test('the manifest carries what each setting schema allows: types, enums, ranges, URL patterns and scopes', () => {
  const props = pkg.contributes.configuration.properties;
  const stale = '(run npx tsx scripts/gen-settings.ts)';
  for (const [key, want] of Object.entries(manifestProperties())) assert.deepEqual(props[key], want, `${key} drifted ${stale}`);
  // Spot checks of what the settings UI now flags: a log level outside the enum, a port out of range, a non-URL.
  assert.deepEqual(props['agentora.logLevel'].enum, ['error', 'warn', 'info', 'debug']);
  assert.equal(props['agentora.server.port'].type, 'integer');
  assert.deepEqual([props['agentora.server.port'].minimum, props['agentora.server.port'].maximum], [0, 65535]);
  assert.match('http://127.0.0.1:11434', new RegExp(props['agentora.models.ollamaUrl'].pattern));
  assert.doesNotMatch('localhost:11434', new RegExp(props['agentora.models.ollamaUrl'].pattern));
  // Settings that start programs, open doors or loosen the action policy are user-only (not a cloned repo's).
  for (const key of [
    'agentora.server.runtime',
    'agentora.server.host',
    'agentora.actions.allowedApps',
    'agentora.actions.requireApprovalDefault',
    'agentora.phios.command',
    'agentora.missions.mcpEnabled',
  ]) {
    assert.equal(props[key].scope, 'machine', `${key} must be machine-scoped`);
  }
});

/**
 * Declared settings that no code reads yet, each with the issue whose helper is implementing it. Nothing else may
 * be declared and unread: a setting the user can change that changes nothing is a lie in the settings UI.
 */
const NOT_READ_YET: Record<string, string> = {
  // implemented by issue 12 (Software Missions E–H: retention and compaction, alerts, replay and lineage, exports)
  'missions.eventsTtlDays': 'issue 12',
  'missions.eventsMaxPerRun': 'issue 12',
  'missions.compactionEnabled': 'issue 12',
  'missions.compactionIntervalSeconds': 'issue 12',
  'missions.alertsEnabled': 'issue 12',
  'missions.alertsWebhookUrl': 'issue 12',
  'missions.alertsOnTerminal': 'issue 12',
  'missions.alertsOnWritebackFailure': 'issue 12',
  'missions.alertsOnHighRisk': 'issue 12',
  'missions.replayEnabled': 'issue 12',
  'missions.replayAllowRepoChange': 'issue 12',
  'missions.replayMaxLineageDepth': 'issue 12',
  'missions.replayRequireProvenanceNote': 'issue 12',
  'missions.signExports': 'issue 12',
  // implemented by issue 16 (Software Missions I–L: persona policy, analytics cache)
  'personaPolicy.enabled': 'issue 16',
  'personaPolicy.requireDualReviewOnHighRisk': 'issue 16',
  'personaPolicy.blockExploratoryOnHighRisk': 'issue 16',
  'personaPolicy.requireOverrideReason': 'issue 16',
  'personaPolicy.requireConservativeBranchOnHighRisk': 'issue 16',
  'analytics.cacheEnabled': 'issue 16',
  'analytics.cacheTtlSeconds': 'issue 16',
  'analytics.cacheMaxEntries': 'issue 16',
  // implemented by issue 14 (workflows)
  'workflows.maxDurationSeconds': 'issue 14',
};

test('every declared setting is read by some code (or listed, with its issue, as not read yet)', () => {
  const roots = ['server/src', 'extension/src', 'webview/src'];
  const sources: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      // The declarations themselves and the generated call table do not count as readers.
      else if (/\.(ts|svelte)$/.test(e.name) && !p.includes(path.join('config', 'settings')) && !p.endsWith('calls.gen.ts'))
        sources.push(readFileSync(p, 'utf8'));
    }
  };
  roots.forEach((r) => walk(path.join(ROOT, r)));
  const code = sources.join('\n');
  const read = (key: string) =>
    code.includes(`'${key}'`) || code.includes(`"${key}"`) || (/^\w+$/.test(key) && new RegExp(`\\.${key}\\b`).test(code));
  const unread = allSettings.map((s) => s.key).filter((k) => !read(k) && !(k in NOT_READ_YET));
  assert.deepEqual(unread, [], `declared but read by nothing: implement them or remove them from server/src/config/settings`);
  for (const k of Object.keys(NOT_READ_YET))
    assert.ok(
      allSettings.some((s) => s.key === k),
      `${k} is listed as not read yet but is not declared`,
    );
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

test('the extension and the webviews spell no method or notification name: they use M.<area>.<x> / N.<area>.<x>', () => {
  const offenders: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|svelte)$/.test(e.name))
        readFileSync(p, 'utf8')
          .split('\n')
          .forEach((line, i) => {
            if (/['"]agentora\/[a-z]\w*\/[a-z]\w*['"]/.test(line)) offenders.push(`${path.relative(ROOT, p)}:${i + 1}: ${line.trim()}`);
          });
    }
  };
  ['extension/src', 'webview/src'].forEach((r) => walk(path.join(ROOT, r)));
  assert.deepEqual(offenders, [], 'use the generated M / N tables (server/src/protocol/calls.gen.ts) instead of a string');
});
