// Issue 9 item 7: `kill -9` of the real server at random moments while actions execute (long file writes and a
// command that records each run), then restart on the same data dir. Expected after every restart: nothing
// left `approved` / `executing`; each cut-off action is `interrupted` with what is known (for a write: does
// the file hold the proposed content — checked against the file); no action ever runs twice (the command's
// run log has each marker at most once, and nothing new appears after a restart); approve / deny of an
// interrupted action answer 409 saying so; PRAGMA integrity_check is ok. Before: actions stayed `approved`
// forever, with no execution row, and approve / deny answered a bare 409.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { startServer, type TestServer } from '../helpers/server';

const KILLS = 6;
let tmp: string;
let ws: string;
let dataDir: string;
const env = () => ({
  AGENTORA_ALLOWED_PATH_ROOTS: ws,
  AGENTORA_ALLOWED_APPS: 'node',
  AGENTORA_ACTION_REQUIRE_APPROVAL_DEFAULT: 'auto_allow',
  AGENTORA_ACTION_TIMEOUT_SECONDS: '10',
});

async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 15000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

const runLog = () => (existsSync(path.join(ws, 'runs.log')) ? readFileSync(path.join(ws, 'runs.log'), 'utf8').split('\n').filter(Boolean) : []);
const content = (i: number) => `round content ${i} `.repeat(200_000); // ~3.6 MB: a write takes a while

before(() => {
  tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'agentora-crash-')));
  ws = path.join(tmp, 'ws');
  dataDir = path.join(tmp, 'data');
  mkdirSync(path.join(ws, 'out'), { recursive: true });
  mkdirSync(dataDir);
  // The command records that it ran (once per marker), then works for a while.
  writeFileSync(
    path.join(ws, 'work.js'),
    "require('fs').appendFileSync(__dirname + '/runs.log', process.argv[2] + '\\n'); setTimeout(() => console.log('done'), 600);\n",
  );
});
after(() => rmSync(tmp, { recursive: true, force: true }));

test(`kill -9 during executions (${KILLS} times at random moments): interrupted, never re-run, database intact`, async () => {
  const proposed: { kind: 'write' | 'cmd'; i: number; marker?: string }[] = [];
  let s: TestServer | null = null;
  let interruptedSeen = 0;
  try {
    for (let round = 0; round < KILLS; round++) {
      s = await startServer(env(), 20000, { dataDir });
      const logBefore = runLog().length;
      // Recovery of the previous round happened at start: nothing is left approved / executing.
      const open = await (await s.fetch('/api/actions/history?status=executing&limit=500')).json();
      const stuck = await (await s.fetch('/api/actions/history?status=approved&limit=500')).json();
      assert.equal(open.total + stuck.total, 0, 'no action left executing or approved after a restart');
      // Fire a burst without waiting for the answers, then kill at a random moment.
      for (let k = 0; k < 4; k++) {
        const i = proposed.length;
        if (k % 2 === 0) {
          proposed.push({ kind: 'write', i });
          void s
            .fetch('/api/actions', {
              method: 'POST',
              body: JSON.stringify({ tool_name: 'desktop_write_text', params: { path: path.join(ws, `out/w${i}.txt`), content: content(i) } }),
            })
            .catch(() => undefined);
        } else {
          const marker = `m${i}`;
          proposed.push({ kind: 'cmd', i, marker });
          void s
            .fetch('/api/actions', {
              method: 'POST',
              body: JSON.stringify({ tool_name: 'desktop_shell', params: { argv: ['node', 'work.js', marker], cwd: ws } }),
            })
            .catch(() => undefined);
        }
      }
      // Kill at a random moment once this burst is under way (the first action of a fresh server is slow to
      // arrive: loading the policy's dependencies), while commands are executing.
      await waitFor('an executing action', async () => {
        const h = await (await s!.fetch('/api/actions/history?status=executing&limit=500')).json();
        return h.total > 0;
      });
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 400)));
      const exited = new Promise((r) => s!.proc.once('exit', r));
      s.proc.kill('SIGKILL');
      await exited;
      s = null;
      assert.ok(runLog().length >= logBefore);
    }
    // Restart once more: the last kill's actions are recovered too. Wait for recovery, then look.
    s = await startServer(env(), 20000, { dataDir });
    const logAtRestart = runLog();
    const all = await waitFor('recovery', async () => {
      const h = await (await s!.fetch('/api/actions/history?limit=500')).json();
      return h.items.some((a: any) => a.status === 'executing' || a.status === 'approved') ? null : h;
    });
    const interrupted = all.items.filter((a: any) => a.status === 'interrupted');
    interruptedSeen = interrupted.length;
    assert.ok(interrupted.length >= 1, 'at least one kill landed mid-execution');
    for (const a of interrupted) {
      assert.match(a.error, /Interrupted: the server stopped/);
      assert.equal(typeof a.result.started, 'boolean');
      // The interruption is visible in the history with its execution row (what the panel's history shows).
      const ex = all.executions.find((e: any) => e.action_id === a.id);
      assert.ok(ex, `execution row for interrupted action ${a.id}`);
      assert.equal(ex.ok, false);
      if (a.tool_name === 'desktop_write_text' && a.result.started) {
        const file = a.params.path;
        const holds = existsSync(file) && readFileSync(file, 'utf8') === a.params.content;
        assert.equal(a.result.holds_proposed_content ?? false, holds, `what is known about ${file} is true`);
      }
      // Approve / deny of an interrupted action: a clear 409, and it is not re-run.
      for (const verb of ['approve', 'deny']) {
        const r = await s.fetch(`/api/actions/${a.id}/${verb}`, { method: 'POST', body: JSON.stringify({ reason: 'retry' }) });
        assert.equal(r.status, 409);
        assert.match(JSON.stringify(await r.json()), /interrupted by a server stop and is never re-run/);
      }
    }
    // Never re-run: each marker ran at most once, and the restarts ran nothing new.
    const lines = runLog();
    const counts = new Map<string, number>();
    for (const m of lines) counts.set(m, (counts.get(m) ?? 0) + 1);
    for (const [m, n] of counts) assert.equal(n, 1, `${m} ran ${n} times`);
    assert.deepEqual(runLog(), logAtRestart, 'nothing ran again after the restart');
    const kinds = new Map<string, number>();
    for (const a of interrupted) {
      const k = `${a.tool_name}:${a.result.started ? 'started' : 'not started'}${a.result.holds_proposed_content === undefined ? '' : `:holds=${a.result.holds_proposed_content}`}`;
      kinds.set(k, (kinds.get(k) ?? 0) + 1);
    }
    console.log(`# crash: interrupted ${JSON.stringify(Object.fromEntries(kinds))}`);
    console.log(
      `# crash: ${KILLS} kills, ${proposed.length} proposed, ${all.items.length} recorded, ${interruptedSeen} interrupted, ${counts.size} command runs`,
    );
  } finally {
    await s?.stop();
  }
  const db = new Database(path.join(dataDir, 'agentora.db'), { readonly: true });
  try {
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    assert.equal((db.prepare("SELECT COUNT(*) AS n FROM actions WHERE status IN ('approved','executing')").get() as { n: number }).n, 0);
    // Exactly one execution row per finished or interrupted action: at most once, whatever happened.
    const orphan = db
      .prepare(
        "SELECT COUNT(*) AS n FROM actions a WHERE status IN ('executed','failed','interrupted') AND NOT EXISTS (SELECT 1 FROM action_executions e WHERE e.action_id = a.id)",
      )
      .get() as { n: number };
    assert.equal(orphan.n, 0);
  } finally {
    db.close();
  }
});
