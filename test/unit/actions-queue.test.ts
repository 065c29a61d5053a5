// The approval queue through the service registry (the path every transport takes), on a temp SQLite file and
// temp folders: states, exactly-once execution, deny wins, audit rows, grants, notifications.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../server/src/config';
import type { ServerContext } from '../../server/src/context';
import { EventBus } from '../../server/src/events';
import { createLogger } from '../../server/src/log';
import { AppError } from '../../server/src/protocol/errors';
import { actionsServices } from '../../server/src/services/actions';
import { ServiceRegistry } from '../../server/src/services/registry';
import { openDatabase } from '../../server/src/store/db';

let tmp: string;
let ws: string;
let ctx: ServerContext & { config: ReturnType<typeof loadConfig> };
let reg: ServiceRegistry;
const events: { name: string; payload: any }[] = [];
const call = { transport: 'internal' as const, actor: 'tester' };

function makeCtx(env: Record<string, string>) {
  const config = loadConfig({
    env: { AGENTORA_DATA_DIR: path.join(tmp, 'data'), AGENTORA_ALLOWED_PATH_ROOTS: ws, AGENTORA_ALLOWED_APPS: 'echo,sleep', ...env },
    dotenvFiles: [],
  });
  const db = openDatabase(path.join(tmp, `db-${Math.random().toString(36).slice(2)}.sqlite`));
  const c = {
    config,
    db,
    log: createLogger('error'),
    events: new EventBus(),
    models: null,
    version: 't',
    startedAt: new Date(),
    token: 't',
    http: { url: null, error: null },
  } as unknown as ServerContext & { config: typeof config };
  c.events.subscribe((name, payload) => events.push({ name, payload }));
  return c;
}
const rpc = (m: string, p: unknown): Promise<any> => reg.call(`agentora/actions/${m}`, p, call);
const rejects = (p: Promise<unknown>, kind: string, re: RegExp) => assert.rejects(p, (e: AppError) => e.kind === kind && re.test(e.message));

before(() => {
  tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'agentora-queue-')));
  ws = path.join(tmp, 'ws');
  mkdirSync(ws);
});
after(() => rmSync(tmp, { recursive: true, force: true }));
beforeEach(() => {
  ctx = makeCtx({});
  reg = new ServiceRegistry(ctx, actionsServices);
  events.length = 0;
});

describe('approval queue', () => {
  test('pending → approved → executed: the file appears with the exact content; audit says who, why, which rule', async () => {
    const a = await rpc('propose', {
      run_id: 'r1',
      agent_id: 'a1',
      action_class: 'desktop',
      tool_name: 'desktop_write_text',
      params: { path: 'out.txt', content: 'héllo\n' },
    });
    assert.equal(a.status, 'pending');
    assert.equal(a.requires_approval, true);
    assert.equal(a.policy_decision, 'ask');
    assert.equal(a.summary, 'write 7 bytes to out.txt');
    assert.equal(existsSync(path.join(ws, 'out.txt')), false, 'nothing happens before approval');
    assert.equal((await rpc('listPending', {})).items.length, 1);
    const done = await rpc('approve', { id: a.id, reason: 'looks fine' });
    assert.equal(done.status, 'executed');
    assert.equal(readFileSync(path.join(ws, 'out.txt'), 'utf8'), 'héllo\n');
    const h = await rpc('history', {});
    assert.deepEqual(
      h.approval_history
        .filter((x: any) => x.action_id === a.id)
        .map((x: any) => x.event)
        .reverse(),
      ['proposed', 'approved', 'executing', 'executed'],
    );
    const approved = h.approval_history.find((x: any) => x.event === 'approved');
    assert.equal(approved.actor, 'tester');
    assert.equal(approved.reason, 'looks fine');
    assert.equal(approved.rule, 'default:always_ask');
    assert.deepEqual(approved.scope_preview.paths, [path.join(ws, 'out.txt')]);
    assert.equal(h.executions.length, 1);
    assert.ok(events.some((e) => e.name === 'agentora/actions/didChange' && e.payload.action?.status === 'pending' && e.payload.pending_count === 1));
    assert.ok(events.some((e) => e.payload.action?.status === 'executed' && e.payload.pending_count === 0));
  });

  test('attack: double approve → 409, and the command ran once', async () => {
    const a = await rpc('propose', { tool_name: 'desktop_write_text', params: { path: 'twice.txt', content: '1' } });
    await rpc('approve', { id: a.id });
    writeFileSync(path.join(ws, 'twice.txt'), 'changed by the user');
    await rejects(rpc('approve', { id: a.id }), 'conflict', /already executed; it can be approved only once/);
    assert.equal(readFileSync(path.join(ws, 'twice.txt'), 'utf8'), 'changed by the user');
    await rejects(rpc('deny', { id: a.id }), 'conflict', /already executed/);
  });

  test('attack: concurrent approves → exactly one execution', async () => {
    const a = await rpc('propose', { tool_name: 'desktop_shell', params: { argv: ['echo', 'once'] } });
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => rpc('approve', { id: a.id })));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    assert.equal(results.filter((r) => r.status === 'rejected' && (r.reason as AppError).kind === 'conflict').length, 7);
    const h = await rpc('history', {});
    assert.equal(h.executions.filter((e: any) => e.action_id === a.id).length, 1);
    assert.equal(h.items.find((i: any) => i.id === a.id).result.stdout, 'once\n');
  });

  test('attack: a policy-denied action approved anyway → refused (403), nothing written', async () => {
    const a = await rpc('propose', { tool_name: 'desktop_write_text', params: { path: '../escape.txt', content: 'x' } });
    assert.equal(a.status, 'denied');
    assert.equal(a.policy_decision, 'deny');
    assert.equal(a.requires_approval, false);
    await rejects(rpc('approve', { id: a.id, reason: 'please' }), 'forbidden', /denied by policy.*can never be approved/);
    assert.equal(existsSync(path.join(tmp, 'escape.txt')), false);
    const h = await rpc('history', {});
    assert.ok(h.approval_history.some((x: any) => x.action_id === a.id && x.event === 'approve_refused'));
  });

  test('a deny rule added after the proposal wins at approval time', async () => {
    const a = await rpc('propose', { tool_name: 'desktop_write_text', params: { path: 'later.txt', content: 'x' } });
    await rpc('createRule', { name: 'no writes', tool_name: 'desktop_write_text', effect: 'deny' });
    await rejects(rpc('approve', { id: a.id }), 'forbidden', /now denied by policy/);
    assert.equal((await rpc('get', { id: a.id })).status, 'denied');
    assert.equal(existsSync(path.join(ws, 'later.txt')), false);
  });

  test('attack: a folder swapped for a symlink out of the root after the proposal → refused at approval, nothing written', async () => {
    mkdirSync(path.join(ws, 'swap'));
    const a = await rpc('propose', { tool_name: 'desktop_write_text', params: { path: 'swap/x.txt', content: 'x' } });
    assert.equal(a.status, 'pending');
    rmSync(path.join(ws, 'swap'), { recursive: true });
    mkdirSync(path.join(tmp, 'elsewhere'), { recursive: true });
    symlinkSync(path.join(tmp, 'elsewhere'), path.join(ws, 'swap'));
    await rejects(rpc('approve', { id: a.id }), 'forbidden', /now denied by policy.*outside the allowed folders/);
    assert.equal(existsSync(path.join(tmp, 'elsewhere/x.txt')), false);
  });

  test('deny leaves nothing behind; unknown ids are 404', async () => {
    const a = await rpc('propose', { tool_name: 'desktop_write_text', params: { path: 'no.txt', content: 'x' } });
    const d = await rpc('deny', { id: a.id, reason: 'no' });
    assert.equal(d.status, 'denied');
    assert.equal(d.decided_by, 'tester');
    assert.equal(existsSync(path.join(ws, 'no.txt')), false);
    await rejects(rpc('approve', { id: a.id }), 'conflict', /already denied/);
    await rejects(rpc('approve', { id: 99999 }), 'not_found', /Action '99999' not found/);
  });

  test('auto_allow executes at once; a failing command is `failed` with its output', async () => {
    ctx = makeCtx({ AGENTORA_ACTION_REQUIRE_APPROVAL_DEFAULT: 'auto_allow' });
    reg = new ServiceRegistry(ctx, actionsServices);
    const ok = await rpc('propose', { tool_name: 'desktop_shell', params: { command: 'echo hi' } });
    assert.equal(ok.status, 'executed');
    assert.equal(ok.result.stdout, 'hi\n');
    const bad = await rpc('propose', { tool_name: 'desktop_list_dir', params: { path: 'missing' } });
    assert.equal(bad.status, 'failed');
    assert.match(bad.error, /is not a folder/);
  });

  test('max action steps per run (AGENTORA_MAX_ACTION_STEPS) → 409', async () => {
    ctx = makeCtx({ AGENTORA_MAX_ACTION_STEPS: '2' });
    reg = new ServiceRegistry(ctx, actionsServices);
    for (let i = 0; i < 2; i++) await rpc('propose', { run_id: 'r', tool_name: 'desktop_list_dir', params: { path: '.' } });
    await rejects(rpc('propose', { run_id: 'r', tool_name: 'desktop_list_dir', params: { path: '.' } }), 'conflict', /limit of 2 actions/);
  });

  test('"Always allow" for ask_once: a session grant auto-allows the same action, is listed, and is revocable', async () => {
    ctx = makeCtx({ AGENTORA_ACTION_TOOL_DEFAULTS: 'desktop_list_dir=ask_once' });
    reg = new ServiceRegistry(ctx, actionsServices);
    const a = await rpc('propose', { tool_name: 'desktop_list_dir', params: { path: '.' } });
    assert.equal(a.can_remember, true);
    await rpc('approve', { id: a.id, remember: 'session' });
    const grants = (await rpc('listGrants', {})).items;
    assert.equal(grants.length, 1);
    assert.equal(grants[0].scope, 'session');
    const b = await rpc('propose', { tool_name: 'desktop_list_dir', params: { path: './' } });
    assert.equal(b.status, 'executed');
    assert.equal(b.policy_rule, `grant:${grants[0].id}`);
    const other = await rpc('propose', { tool_name: 'desktop_list_dir', params: { path: path.join(ws, '..', 'ws', '.') } });
    assert.equal(other.status, 'executed', 'same real path, same grant');
    await rpc('revokeGrant', { id: grants[0].id });
    assert.equal((await rpc('propose', { tool_name: 'desktop_list_dir', params: { path: '.' } })).status, 'pending');
    // always_ask tools cannot be remembered
    const w = await rpc('propose', { tool_name: 'desktop_write_text', params: { path: 'w.txt', content: '' } });
    await rejects(rpc('approve', { id: w.id, remember: 'workspace' }), 'bad_request', /not ask_once/);
    assert.equal((await rpc('get', { id: w.id })).status, 'pending', 'a refused remember changes nothing');
  });

  test('rules: create, list, disable, update, delete — and they take effect', async () => {
    const r = await rpc('createRule', { name: 'echo ok', tool_name: 'desktop_shell', effect: 'allow', argv: [{ exact: 'echo' }, { pattern: '*' }] });
    assert.equal((await rpc('propose', { tool_name: 'desktop_shell', params: { argv: ['echo', 'x'] } })).status, 'executed');
    await rpc('updateRule', { id: r.id, enabled: false });
    assert.equal((await rpc('listRules', {})).items[0].enabled, false);
    assert.equal((await rpc('propose', { tool_name: 'desktop_shell', params: { argv: ['echo', 'x'] } })).status, 'pending');
    await rpc('updateRule', { id: r.id, enabled: true, name: 'renamed' });
    assert.equal((await rpc('listRules', {})).items[0].name, 'renamed');
    await rpc('deleteRule', { id: r.id });
    assert.equal((await rpc('listRules', {})).items.length, 0);
    await rejects(rpc('deleteRule', { id: r.id }), 'not_found', /Rule/);
    await rejects(
      rpc('createRule', { name: 'bad', tool_name: 'desktop_shell', effect: 'allow', argv: [{ pattern: 'a;b' }] }),
      'bad_request',
      /argv\.0\.pattern/,
    );
  });

  test('preview: current vs proposed content for writes, full argv for commands', async () => {
    writeFileSync(path.join(ws, 'p.txt'), 'old\n');
    const a = await rpc('propose', { tool_name: 'desktop_write_text', params: { path: 'p.txt', content: 'new\n' } });
    assert.deepEqual(await rpc('preview', { id: a.id }), {
      kind: 'write',
      path: path.join(ws, 'p.txt'),
      exists: true,
      current: 'old\n',
      proposed: 'new\n',
    });
    const c = await rpc('propose', { tool_name: 'desktop_shell', params: { command: 'echo "a b" c' } });
    const p = await rpc('preview', { id: c.id });
    assert.deepEqual(p.argv, ['echo', 'a b', 'c']);
    assert.equal(p.display, "echo 'a b' c");
    assert.equal(c.summary, `run \`echo 'a b' c\` in ${ws}`);
  });
});
