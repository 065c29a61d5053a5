// Issue 9 item 15: a maintenance job interrupted by kill -9 must still report every proposal it opened, so undo
// withdraws them. Each proposal is now written with its report row in one transaction. Five kills at random
// moments while the job is opening proposals; after each restart the job is `failed` (interrupted), its report
// lists exactly the proposals it opened, undo withdraws all of them, and the database is sound.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../server/src/store/db';
import { insertMemory } from '../../server/src/services/memory/store';
import { startServer, type TestServer } from '../helpers/server';

const KILLS = 5;
const PAIRS = 1800;

type Call = (path: string, body?: unknown, method?: string) => Promise<{ status: number; body: any }>;
const caller =
  (s: TestServer): Call =>
  async (p, body, method = body === undefined ? 'GET' : 'POST') => {
    const res = await s.fetch(p, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: res.status, body: await res.json() };
  };

describe('kill -9 during a maintenance job', () => {
  let dir: string;
  let dbFile: string;
  let s: TestServer | undefined;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'agentora-crash-maint-'));
    dbFile = path.join(dir, 'agentora.db');
    // Many exact duplicate pairs: the job opens proposals in batches for a while, so a kill can land mid-way.
    const db = openDatabase(dbFile);
    db.transaction(() => {
      for (let i = 0; i < PAIRS; i++) {
        const text = `Service ${i} listens on port ${10000 + i} and logs to bucket logs-${i}.`;
        for (let k = 0; k < 2; k++)
          insertMemory(db, { text, kind: 'fact', source: 'operator', scope: 'workspace', layer: 'semantic', trust: 0.5 }, undefined, false);
      }
    })();
    db.close();
  });
  after(async () => {
    if (s && s.proc.exitCode === null) s.proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  test(`${KILLS} kills mid-job: the report keeps every opened proposal and undo withdraws them`, async () => {
    const env = { AGENTORA_MEMORY_EMBEDDINGS_ENABLED: 'false' };
    const watcher = openDatabase(dbFile);
    const opened = watcher.prepare('SELECT COUNT(*) AS n FROM memory_proposals WHERE created_by = ?');
    let interrupted = 0;
    try {
      for (let round = 0; round < KILLS + 3 && interrupted < KILLS; round++) {
        s = await startServer(env, 15000, { dataDir: dir });
        let call = caller(s);
        const started = await call('/api/memory/maintenance/run', { wait: false });
        assert.equal(started.status, 202, JSON.stringify(started.body));
        const jobId: number = started.body.job.job_id;
        // Wait (polling the file beside the server) until the job has opened some proposals, then kill at a random
        // moment within the next few batches.
        const deadline = Date.now() + 10000;
        while ((opened.get(`job ${jobId}`) as { n: number }).n === 0) {
          assert.ok(Date.now() < deadline, 'the job opened no proposal in 10 s');
          await new Promise((r) => setTimeout(r, 2));
        }
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 40)));
        const exited = new Promise((r) => s!.proc.once('exit', r));
        s.proc.kill('SIGKILL');
        await exited;

        s = await startServer(env, 15000, { dataDir: dir });
        call = caller(s);
        const report = await call(`/api/memory/maintenance/jobs/${jobId}?limit=5000`);
        assert.equal(report.status, 200, JSON.stringify(report.body));
        const proposalIds = (
          watcher.prepare('SELECT id FROM memory_proposals WHERE created_by = ? ORDER BY id').all(`job ${jobId}`) as { id: number }[]
        ).map((r) => r.id);
        if (report.body.job.status === 'done') {
          // The kill landed after the job finished: nothing interrupted to prove this round.
          await s.stop();
          continue;
        }
        interrupted++;
        assert.equal(report.body.job.status, 'failed');
        assert.match(report.body.job.error, /interrupted by a server restart/);
        const reported = report.body.changes
          .filter((c: any) => c.change === 'proposal')
          .map((c: any) => c.proposal_id)
          .sort((a: number, b: number) => a - b);
        assert.ok(proposalIds.length > 0);
        assert.deepEqual(reported, proposalIds, 'the report lists exactly the proposals the job opened');

        const undo = await call(`/api/memory/maintenance/jobs/${jobId}/undo`, {});
        assert.equal(undo.status, 200, JSON.stringify(undo.body));
        assert.equal(undo.body.skipped.length, 0, JSON.stringify(undo.body.skipped.slice(0, 3)));
        const left = watcher
          .prepare("SELECT COUNT(*) AS n FROM memory_proposals WHERE created_by = ? AND status <> 'withdrawn'")
          .get(`job ${jobId}`) as { n: number };
        assert.equal(left.n, 0, 'undo withdrew every proposal of the interrupted job');
        const open = await call('/api/memory/duplicates?status=open&limit=1');
        assert.equal(open.status, 200);
        await s.stop();
        s = undefined;
        assert.deepEqual(watcher.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
      }
    } finally {
      watcher.close();
    }
    assert.equal(interrupted, KILLS, `only ${interrupted} of the kills landed mid-job`);
  });
});
