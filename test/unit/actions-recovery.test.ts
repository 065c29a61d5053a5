// Issue 9 item 7 in detail: the v11 migration keeps every row (executions and audit are not cascade-deleted),
// `executing` is committed before the side effect, and start-up recovery marks what was cut off as
// `interrupted` with what is known — for a write, whether the file holds the proposed content.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../server/src/config';
import type { ServerContext } from '../../server/src/context';
import { EventBus } from '../../server/src/events';
import { createLogger } from '../../server/src/log';
import { actionsServices } from '../../server/src/services/actions';
import { recoverInterrupted } from '../../server/src/services/actions/recovery';
import { ServiceRegistry } from '../../server/src/services/registry';
import { migrations } from '../../server/src/store/migrations';
import { openDatabase } from '../../server/src/store/db';

let tmp: string;
let ws: string;
const call = { transport: 'internal' as const, actor: 'tester' };

function makeCtx(file: string) {
  const config = loadConfig({
    env: { AGENTORA_DATA_DIR: path.join(tmp, 'data'), AGENTORA_ALLOWED_PATH_ROOTS: ws, AGENTORA_ALLOWED_APPS: 'echo' },
    dotenvFiles: [],
  });
  const db = openDatabase(file);
  return {
    config,
    db,
    log: createLogger('error'),
    events: new EventBus(),
    models: null,
    version: 't',
    startedAt: new Date(),
    token: 't',
    http: { url: null, error: null },
  } as unknown as ServerContext;
}

before(() => {
  tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'agentora-recovery-')));
  ws = path.join(tmp, 'ws');
  mkdirSync(ws);
});
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('executing / interrupted', () => {
  test('v11 on a v10 database keeps actions, executions and audit rows, and accepts the new states', () => {
    const file = path.join(tmp, 'v10.sqlite');
    const old = openDatabase(file, { migrations: migrations.filter((m) => m.version <= 10) });
    old.exec(`INSERT INTO actions (action_class, tool_name, risk, params, summary, policy_decision, status, approval_reason, scope_preview, created_at, updated_at)
      VALUES ('desktop','desktop_list_dir','read','{}','list .','auto_allow','executed','ok','{"paths":[],"argv":null,"executable":null,"cwd":null,"urls":[],"domains":[],"bytes":null}','t','t')`);
    old.exec("INSERT INTO action_executions (action_id, ok, started_at, finished_at, duration_ms) VALUES (1, 1, 't', 't', 1)");
    old.exec("INSERT INTO action_audit (action_id, event, actor, transport, at) VALUES (1, 'executed', 'x', 'y', 't')");
    old.close();
    const db = openDatabase(file);
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    assert.equal((db.prepare('SELECT COUNT(*) AS n FROM action_executions').get() as { n: number }).n, 1);
    assert.equal((db.prepare('SELECT COUNT(*) AS n FROM action_audit').get() as { n: number }).n, 1);
    db.prepare("UPDATE actions SET status = 'interrupted' WHERE id = 1").run();
    assert.throws(() => db.prepare("UPDATE actions SET status = 'bogus' WHERE id = 1").run(), /CHECK constraint/);
    db.close();
  });

  test('recovery: a write cut off after / before its bytes landed says so; approved-but-not-started says nothing was done; approve is a clear 409', async () => {
    const ctx = makeCtx(path.join(tmp, 'r.sqlite'));
    const reg = new ServiceRegistry(ctx, actionsServices);
    const mk = async (name: string, content: string) =>
      (await reg.call('agentora/actions/propose', { tool_name: 'desktop_write_text', params: { path: name, content } }, call)) as { id: number };
    const done = await mk('done.txt', 'all of it');
    const half = await mk('half.txt', 'all of it');
    const never = await mk('never.txt', 'x');
    // What a crash leaves: two executing (one whose bytes landed, one half-written), one approved.
    writeFileSync(path.join(ws, 'done.txt'), 'all of it');
    writeFileSync(path.join(ws, 'half.txt'), 'all o');
    const set = ctx.db.prepare("UPDATE actions SET status = ?, started_at = 't0' WHERE id = ?");
    set.run('executing', done.id);
    set.run('executing', half.id);
    set.run('approved', never.id);
    assert.equal(recoverInterrupted(ctx), 3);
    const get = (id: number) => reg.call('agentora/actions/get', { id }, call) as Promise<any>;
    const d = await get(done.id);
    assert.equal(d.status, 'interrupted');
    assert.equal(d.result.holds_proposed_content, true);
    const h = await get(half.id);
    assert.equal(h.result.holds_proposed_content, false);
    assert.equal(h.result.file_bytes, 5);
    const n = await get(never.id);
    assert.equal(n.result.started, false);
    assert.match(n.result.note, /nothing was done/);
    await assert.rejects(
      reg.call('agentora/actions/approve', { id: half.id }, call),
      (e: Error & { kind?: string }) => e.kind === 'conflict' && /interrupted by a server stop and is never re-run/.test(e.message),
    );
    await assert.rejects(reg.call('agentora/actions/deny', { id: half.id }, call), (e: Error & { kind?: string }) => e.kind === 'conflict');
    const hist = (await reg.call('agentora/actions/history', { status: 'interrupted' }, call)) as any;
    assert.equal(hist.total, 3);
    assert.equal(hist.executions.filter((e: any) => !e.ok).length, 3);
    assert.ok(hist.approval_history.some((a: any) => a.event === 'interrupted'));
    // Recovery is idempotent: nothing left to interrupt, nothing re-run.
    assert.equal(recoverInterrupted(ctx), 0);
    ctx.db.close();
  });
});
