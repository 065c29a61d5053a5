// Missions analytics benchmark: `npm run build && node --import tsx bench/missions-analytics.ts`
//  1. seeds 100k missions and 500k timeline events (old and recent, chatty runs over the per-run cap) into a temp
//     data dir at the schema before the analytics migrations, then opens it (migrations 35+ backfill the cube);
//  2. over HTTP against the real server: GET metrics, insights, cohorts (each group_by), cohorts/summary, p50/p99,
//     each printed beside its bare SQL on the same file (the floor; ratio = route / floor) and beside the
//     earlier approach (the same aggregate as a GROUP BY over the mission rows) for reference;
//     Also one root with 1k descendants (10 branch sets of 90, 100 forks of forks): lineage, portfolio per root and
//     per run, decision summary, each beside its bare SQL. Each route is also printed beside the transport floor of
//     its answer's size (a bare node:http server sending that many ready bytes, transportFloor.ts) and its ratio over
//     SQL + transport (budget ≤ 3): over a floor of microseconds, or for a 100 KB answer, HTTP itself is most of the
//     route, and that column shows what the route adds on top of what no route can avoid. Timed requests go from a
//     child process (requestDriver.ts); the server's event-loop CPU per request is printed too;
//  3. export of the newest ~10k missions (streamed) and their import into an empty server, time and peak RSS;
//  4. compaction of the 500k events as a job (POST retention/compact {wait:false}) while another client polls GET metrics and
//     a third creates a memory every 50 ms: the longest read and write during it, and the compactor's longest transaction.
// Env: BENCH_MISSIONS (100000), BENCH_EVENTS (500000), BENCH_ROUNDS (200), BENCH_JSON (output file),
// BENCH_SAVE_EXPORT (keep the exported bundle in this file), BENCH_ONLY=compact (only step 4: seeds, then
// compacts; the routes, floors and export are skipped), BENCH_ONLY=routes (steps 1–2 only), BENCH_SEED_CACHE (a folder: the seeded and migrated
// database is kept there, and later runs copy it instead of seeding again — minutes saved per run), BENCH_WRITE_GAP_MS
// (the writer's pause during step 4, 50).
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type Db } from '../server/src/store/db';
import { migrations } from '../server/src/store/migrations';
import { aggregateSql } from '../server/src/services/missions/observability/analytics';
import type { CohortDimension } from '../server/src/protocol/missionsObservability';
import { startServer, type TestServer } from '../test/helpers/server';
import { PLACE_SQL, SELECT as PORTFOLIO_SELECT, SET_SQL } from '../server/src/services/missions/portfolio/query';
import { descendantsSql } from '../server/src/services/missions/lineage/query';
import { startTransportFloor } from './transportFloor';
import { drive, forkDriver, type Driven } from './driverClient';

const N = Number(process.env.BENCH_MISSIONS ?? 100_000);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 500_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
const REPOS = Array.from({ length: 40 }, (_, i) => `org${i % 7}/repo-${i}`);
const PERSONAS = ['default', 'skeptic_reviewer', 'architect_refactorer', 'conservative_stabilizer', 'rapid_builder'];
const STATUSES = ['succeeded', 'succeeded', 'succeeded', 'failed', 'cancelled', 'prepared', 'dry_run', 'running', 'launch_failed', 'blocked'];
const WB = ['none', 'succeeded', 'succeeded', 'failed', 'pending', 'skipped'];
const LEVELS = ['low', 'medium', 'high'];
const EVENT_TYPES = ['job_event', 'job_event', 'job_event', 'score_changed', 'outcome_updated', 'state_changed', 'refresh_failed'];

function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const fmt = (x: number) => Math.round(x * 100) / 100;

function seed(db: Db): number {
  const started = performance.now();
  const r = rng(7);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const insert =
    db.prepare(`INSERT INTO missions (id, created_at, updated_at, status, repo, persona_id, mission_title, objective, session_id, packet_json,
    snapshot_hash, root_mission_id, pr_url, summary, writeback_status, mission_score, confidence_level, risk_level)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '{"risk_flags":[]}', ?, ?, ?, ?, ?, ?, ?, ?)`);
  const event = db.prepare(
    "INSERT INTO mission_events (mission_id, created_at, type, message, data_json, actor) VALUES (?, ?, ?, 'seeded', '{}', 'bench')",
  );
  const now = Date.now();
  db.transaction(() => {
    for (let i = 0; i < N; i++) {
      const id = `run_${i.toString(16).padStart(16, '0')}`;
      const created = new Date(now - Math.floor(r() * 120 * 86_400_000)).toISOString();
      const status = pick(STATUSES);
      const launched = !['prepared', 'dry_run', 'launch_failed'].includes(status);
      const repo = pick(REPOS);
      const score = Math.round(r() * 100);
      insert.run(
        id,
        created,
        created,
        status,
        repo,
        pick(PERSONAS),
        `Mission ${i}`,
        `Objective ${i}`,
        `ses_${i}`,
        id.padEnd(64, '0'),
        id,
        status === 'succeeded' && r() < 0.8 ? `https://github.com/${repo}/pull/${i}` : null,
        status === 'succeeded' ? 'Done.' : null,
        launched ? pick(WB) : 'none',
        score,
        score >= 75 ? 'high' : score >= 45 ? 'medium' : 'low',
        pick(LEVELS),
      );
    }
    // One lineage of 1k descendants: 10 branch sets of 90 branches under the root, 100 forks of the first set.
    const lin = db.prepare(`INSERT INTO missions (id, created_at, updated_at, status, repo, persona_id, mission_title, objective, session_id,
      packet_json, snapshot_hash, root_mission_id, parent_mission_id, lineage_depth, branch_set_id, branch_label, strategy, pr_url,
      writeback_status, mission_score, confidence_level, risk_level, decision_state)
      VALUES (?, ?, ?, ?, 'org0/lineage', 'default', ?, 'Branch', ?, '{"risk_flags":[]}', ?, 'run_lineage_root', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const t0 = new Date(now - 86_400_000).toISOString();
    lin.run(
      'run_lineage_root',
      t0,
      t0,
      'succeeded',
      'Lineage root',
      'ses_root',
      'f'.repeat(64),
      null,
      0,
      null,
      null,
      null,
      null,
      'none',
      80,
      'high',
      'low',
      'none',
    );
    for (let i = 0; i < 1000; i++) {
      const depth = i < 900 ? 1 : 2;
      const parent = depth === 1 ? 'run_lineage_root' : `run_lineage_${(i - 900).toString().padStart(4, '0')}`;
      const score = Math.round(r() * 100);
      const at = new Date(now - 86_400_000 + i * 1000).toISOString();
      lin.run(
        `run_lineage_${i.toString().padStart(4, '0')}`,
        at,
        at,
        pick(STATUSES),
        `Branch ${i}`,
        `ses_l${i}`,
        'e'.repeat(64),
        parent,
        depth,
        depth === 1 ? `bs-bench-${Math.floor(i / 90)}` : null,
        `branch ${i}`,
        pick(['conservative_fix', 'minimal_patch', 'exploratory_branch']),
        r() < 0.5 ? `https://github.com/org0/lineage/pull/${i}` : null,
        pick(WB),
        score,
        score >= 75 ? 'high' : score >= 45 ? 'medium' : 'low',
        pick(LEVELS),
        pick(['none', 'none', 'none', 'shortlisted', 'eliminated']),
      );
    }
    // Events: most missions get a few, one in a hundred is chatty (hundreds, over the default cap of 200).
    let made = 0;
    for (let i = 0; made < EVENTS; i = (i + 1) % N) {
      const id = `run_${i.toString(16).padStart(16, '0')}`;
      const k = i % 100 === 0 ? 250 : 3;
      for (let j = 0; j < k && made < EVENTS; j++, made++)
        event.run(id, new Date(now - Math.floor(r() * 90 * 86_400_000)).toISOString(), pick(EVENT_TYPES));
    }
  })();
  return performance.now() - started;
}

/** The earlier approach, for reference: the same aggregate over the wide mission rows. */
const scanSql = (dim: string | null) =>
  `SELECT ${dim ?? "'all'"} AS g, count(*), avg(mission_score), avg(refresh_count), avg(pr_url IS NOT NULL),
   total(CASE WHEN status = 'succeeded' THEN 1 END) / total(CASE WHEN status IN ('succeeded','failed','cancelled') THEN 1 END)
   FROM missions ${dim ? `GROUP BY ${dim}` : ''}`;

/** Sample a process's resident memory every 20 ms; stop() gives the peak in MB. */
function peakRss(pid: number): { stop: () => number } {
  let peak = 0;
  const sample = () => {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]) / 1024);
    } catch {
      // the process has exited
    }
  };
  sample();
  const t = setInterval(sample, 20);
  return {
    stop: () => {
      clearInterval(t);
      sample();
      return Math.round(peak);
    },
  };
}

/** args: named parameters, or the positional ones of a statement with `?`. */
function timeSql(db: Db, sqls: { sql: string; args?: Record<string, string | number> | (string | number)[] }[], rounds: number): number[] {
  const stmts = sqls.map((q) => ({ s: db.prepare(q.sql), a: Array.isArray(q.args) ? q.args : [q.args ?? {}] }));
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    for (const q of stmts) q.s.all(...q.a);
    times.push(performance.now() - t);
  }
  return times;
}

/**
 * Compaction of the 500k events as a job while a client polls metrics: the longest any request waited, and the
 * compactor's own longest transaction.
 */
type LoopSamples = { lat: number[]; at: number[]; wlat: number[]; wat: number[]; writeErrors: string[] };

/** The metrics poller and the memory writer in this process (fetch): start times in ms since the epoch. */
function inlineLoops(s: TestServer, gap: number, writeBody: (n: number) => string): { stop: () => Promise<LoopSamples> } {
  let on = true;
  const out: LoopSamples = { lat: [], at: [], wlat: [], wat: [], writeErrors: [] };
  const poller = (async () => {
    while (on) {
      const start = performance.timeOrigin + performance.now();
      const t = performance.now();
      await (await s.fetch('/api/integrations/metrics')).arrayBuffer();
      out.lat.push(performance.now() - t);
      out.at.push(start);
    }
  })().catch(() => {});
  const writer = (async () => {
    for (let n = 1; on; n++) {
      const start = performance.timeOrigin + performance.now();
      const t = performance.now();
      const r = await s.fetch('/api/memory/capsules', { method: 'POST', body: writeBody(n) });
      // A failure is reported, not thrown (a throw here would leave the server running without its bench).
      if (!r.ok) out.writeErrors.push(`${r.status} after ${(performance.now() - t).toFixed(1)} ms: ${await r.text()}`);
      else {
        await r.arrayBuffer();
        out.wlat.push(performance.now() - t);
        out.wat.push(start);
      }
      await new Promise((r) => setTimeout(r, gap));
    }
  })();
  return {
    stop: async () => {
      on = false;
      await poller;
      await writer;
      return out;
    },
  };
}

/** The same two loops, each in a child process of its own (requestDriver.ts). */
async function drivenLoops(s: TestServer, gap: number, writeBody: (n: string) => string): Promise<{ stop: () => Promise<LoopSamples> }> {
  const spawn = () => forkDriver(s.url, s.token);
  const answer = <T>(d: ChildProcess) => new Promise<T>((resolve) => d.once('message', (m) => resolve(m as T)));
  const [poller, writer] = [spawn(), spawn()];
  // Loaded and warm before the loops start: a few timed metrics reads each.
  for (const d of [poller, writer]) {
    const warm = answer(d);
    d.send({ route: '/api/integrations/metrics', rounds: 3, warmup: 2, serverPid: s.proc.pid });
    await warm;
  }
  type Looped = { times: number[]; at: number[]; errors: string[] };
  const polled = answer<Looped>(poller);
  const written = answer<Looped>(writer);
  poller.send({ loop: { method: 'GET', route: '/api/integrations/metrics', gapMs: 0 } });
  writer.send({ loop: { method: 'POST', route: '/api/memory/capsules', body: writeBody('{n}'), gapMs: gap } });
  return {
    stop: async () => {
      poller.send({ stop: true });
      writer.send({ stop: true });
      const [p, w] = await Promise.all([polled, written]);
      poller.kill();
      writer.kill();
      return { lat: p.times, at: p.at, wlat: w.times, wat: w.at, writeErrors: [...p.errors, ...w.errors] };
    },
  };
}

async function compaction(s: TestServer, rows: Record<string, unknown>[]) {
  // Compaction of the 500k events while a client polls metrics: the longest any request waited.
  let loops: { stop: () => Promise<LoopSamples> } | undefined;
  try {
    const before = (await (await s.fetch('/api/integrations/retention')).json()) as {
      timeline_events: { count: number };
      next_compaction: { removed_total: number };
    };
    // Warm both routes first: the first memory create of a server run takes 50–60 ms on its own (statements
    // prepared, the mock model's first answer), with or without a compaction.
    for (let i = 0; i < 3; i++) {
      await (await s.fetch('/api/integrations/metrics')).arrayBuffer();
      await (await s.fetch('/api/memory/capsules', { method: 'POST', body: JSON.stringify({ text: `bench warm-up write ${i}` }) })).arrayBuffer();
    }
    // The poller and the writer are two child processes (requestDriver.ts), each a small heap and an event loop
    // of its own, like two panels: this process's fetch() and garbage collector then stay out of the samples.
    // BENCH_DRIVER=inline runs both here with fetch(), as before session 10.
    const GAP = Number(process.env.BENCH_WRITE_GAP_MS ?? 50);
    const writeBody = (n: number | string) => JSON.stringify({ text: `bench write ${n} during compaction` });
    loops = process.env.BENCH_DRIVER === 'inline' ? inlineLoops(s, GAP, writeBody) : await drivenLoops(s, GAP, writeBody);
    let t0 = performance.now();
    // A job: the request answers at once; the bench follows the job until it ends.
    t0 = performance.now();
    const monoAtT0 = Number(process.hrtime.bigint()) / 1e9;
    const started = (await (await s.fetch('/api/integrations/retention/compact', { method: 'POST', body: '{"wait":false}' })).json()) as {
      job_id: number;
    };
    let rep: { report: Record<string, number> };
    for (;;) {
      const j = (await (await s.fetch(`/api/integrations/retention/compactions/${started.job_id}`)).json()) as {
        job: { state: string; report: Record<string, number> };
      };
      if (j.job.state !== 'running') {
        rep = j.job;
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const compactMs = performance.now() - t0;
    const { lat, at: atEpoch, wlat, wat: watEpoch, writeErrors } = await loops.stop();
    loops = undefined;
    const epochT0 = performance.timeOrigin + t0;
    const at = atEpoch.map((x) => x - epochT0);
    const wat = watEpoch.map((x) => x - epochT0);
    const worst = lat
      .map((ms, i) => ({ ms: fmt(ms), at_ms: fmt(at[i]!) }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 8);
    if (writeErrors.length) console.log('writes that failed during compaction:', writeErrors.slice(0, 5));
    console.log('slowest metrics requests during compaction (at: ms after the compact request):', JSON.stringify(worst));
    const worstWrites = wlat
      .map((ms, i) => ({ ms: fmt(ms), at_ms: fmt(wat[i]!) }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 5);
    console.log('slowest writes during compaction:', JSON.stringify(worstWrites), 'compact request sent at monotonic s', monoAtT0.toFixed(3));
    rows.push({
      route: `POST retention/compact (${before.timeline_events.count} events, predicted ${before.next_compaction.removed_total})`,
      p50_ms: fmt(compactMs),
      p99_ms: null,
      removed: rep.report.removed_total,
      transactions: rep.report.transactions,
      longest_transaction_ms: rep.report.longest_transaction_ms,
      concurrent_metrics_requests: lat.length,
      concurrent_request_p99_ms: fmt(pct(lat, 99)),
      concurrent_request_max_ms: fmt(Math.max(...lat)),
      concurrent_writes: wlat.length,
      concurrent_write_p99_ms: fmt(pct(wlat, 99)),
      concurrent_write_max_ms: fmt(Math.max(...wlat)),
      concurrent_write_errors: writeErrors.length,
      load_avg_1m: fmt(os.loadavg()[0]!),
    });
  } catch (err) {
    // (A request open longer than Node's 5 min request timeout is closed by the server: compaction at this
    // size on a loaded machine should then run as a job — reported, not hidden.)
    rows.push({ route: 'POST retention/compact', error: (err as Error).message });
    await loops?.stop();
  }
}

async function main() {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'agentora-bench-analytics-'));
  const rows: Record<string, unknown>[] = [];
  try {
    // Seed as an existing database would be before the analytics migrations, then upgrade it: the migration's
    // set-based backfill builds the cube (row-by-row triggers would take minutes for 100k bulk inserts).
    const file = path.join(dataDir, 'agentora.db');
    const only = process.env.BENCH_ONLY ?? '';
    const cache = process.env.BENCH_SEED_CACHE ? path.join(process.env.BENCH_SEED_CACHE, `missions-${N}-${EVENTS}.db`) : null;
    let db: Db;
    if (cache && existsSync(cache)) {
      copyFileSync(cache, file);
      db = openDatabase(file);
      console.log(`seeded database copied from ${cache}`);
    } else {
      const old = openDatabase(file, { migrations: migrations.filter((m) => m.version < 35) });
      const seedMs = seed(old);
      old.close();
      const tm = performance.now();
      db = openDatabase(file);
      console.log(`migrations 35+ (cube backfill) on ${N} missions: ${fmt(performance.now() - tm)} ms`);
      db.pragma('optimize');
      const rollupRows = db.prepare('SELECT count(*) FROM mission_cube').pluck().get();
      console.log(`seeded ${N} missions + ${EVENTS} events in ${fmt(seedMs)} ms; analytics cube has ${rollupRows} rows`);
      if (cache) {
        // Closing checkpoints the WAL into the file, so the one file is the whole database.
        db.close();
        mkdirSync(path.dirname(cache), { recursive: true });
        copyFileSync(file, cache);
        db = openDatabase(file);
      }
    }
    if (only === 'compact') {
      db.close();
      const s = await startServer({}, 120000, { dataDir });
      try {
        await compaction(s, rows);
      } finally {
        await s.stop();
      }
      console.table(rows);
      if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify(rows, null, 2));
      return;
    }

    // Bare SQL floors, in process on the same file.
    const dims: CohortDimension[] = ['repo', 'persona_id', 'status', 'writeback_status', 'confidence_level'];
    const floors = new Map<string, number[]>();
    const scans = new Map<string, number[]>();
    floors.set(
      'metrics',
      timeSql(
        db,
        [
          { sql: 'SELECT name, value FROM mission_counters' },
          ...['status', 'writeback_status', 'confidence_level'].map((d) => ({
            sql: `SELECT gval, n FROM mission_cube WHERE fdim = '' AND fval = '' AND gdim = '${d}'`,
          })),
          { sql: "SELECT n, score_sum FROM mission_cube WHERE fdim = '' AND fval = '' AND gdim = '' AND gval = ''" },
          { sql: "SELECT count(*) FROM missions WHERE watched = 1 AND status IN ('queued','running','blocked','unknown')" },
        ],
        ROUNDS,
      ),
    );
    floors.set(
      'insights',
      timeSql(db, [aggregateSql(null, {}), aggregateSql('status', {}), aggregateSql('persona_id', {}), aggregateSql('repo', {})], ROUNDS),
    );
    scans.set(
      'insights',
      timeSql(db, [{ sql: scanSql(null) }, { sql: scanSql('status') }, { sql: scanSql('persona_id') }, { sql: scanSql('repo') }], 5),
    );
    for (const d of dims) {
      floors.set(`cohorts?group_by=${d}`, timeSql(db, [aggregateSql(d, {})], ROUNDS));
      scans.set(`cohorts?group_by=${d}`, timeSql(db, [{ sql: scanSql(d) }], 5));
    }
    floors.set('cohorts/summary', timeSql(db, [aggregateSql(null, {}), ...dims.map((d) => aggregateSql(d, {}))], ROUNDS));
    // Lineage (1k descendants): the bare reads the routes make.
    const descendants = descendantsSql(true);
    const page = { id: 'run_lineage_root', limit: 200, offset: 0 }; // the route's default page
    const ofRoot = `${PORTFOLIO_SELECT} WHERE m.root_mission_id = @root AND m.id <> m.root_mission_id`;
    const root = { root: 'run_lineage_root' };
    floors.set(
      'lineage/run_lineage_root',
      timeSql(
        db,
        [
          { sql: descendants.count, args: { id: page.id } },
          { sql: descendants.page, args: page },
        ],
        ROUNDS,
      ),
    );
    floors.set('lineage/run_lineage_root/portfolio', timeSql(db, [{ sql: ofRoot, args: root }], ROUNDS));
    // The route's own three statements: the run's place in its lineage, its branch set, the set's branches.
    floors.set(
      'runs/run_lineage_0000/portfolio',
      timeSql(
        db,
        [
          { sql: PLACE_SQL, args: ['run_lineage_0000'] },
          { sql: SET_SQL, args: ['bs-bench-0'] },
          { sql: `${PORTFOLIO_SELECT} WHERE m.root_mission_id = @root AND m.branch_set_id = 'bs-bench-0'`, args: root },
        ],
        ROUNDS,
      ),
    );
    floors.set(
      'lineage/run_lineage_root/decision-summary',
      timeSql(
        db,
        [
          { sql: ofRoot, args: root },
          { sql: 'SELECT * FROM mission_branch_sets WHERE root_mission_id = @root ORDER BY created_at, id', args: root },
          {
            sql: 'SELECT type, count(*) FROM mission_decisions WHERE mission_id IN (SELECT id FROM missions INDEXED BY missions_portfolio WHERE root_mission_id = @root) GROUP BY type',
            args: root,
          },
        ],
        ROUNDS,
      ),
    );
    floors.set('cohorts?group_by=repo&status=succeeded', timeSql(db, [aggregateSql('repo', { status: 'succeeded' })], ROUNDS));
    db.close();

    const s = await startServer({}, 120000, { dataDir });
    console.log(`server ready in ${fmt(s.readyMs)} ms (migrations on an existing db)`);
    // The timed requests go from a child process with a small heap of its own (requestDriver.ts says why): fetch()
    // here cost 2–3 ms of CPU a request beside the server, and this process's heap holds the floors' results.
    // BENCH_DRIVER=inline times them here with fetch(), as before session 11.
    const driver = process.env.BENCH_DRIVER === 'inline' ? null : forkDriver(s.url, s.token);
    // The transport floor of each answer's size (transportFloor.ts), timed the same way (driver mode only).
    const transport = driver ? await startTransportFloor() : null;
    /** ROUNDS timed requests of a route after 10 untimed ones: latencies, and the server's loop CPU per request. */
    const timeRoute = async (route: string): Promise<Pick<Driven, 'times' | 'loopCpu' | 'bytes'>> => {
      if (driver) return drive(driver, route, ROUNDS, 10, s.proc.pid!);
      for (let i = 0; i < 10; i++) await (await s.fetch(route)).arrayBuffer();
      const times: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        const t = performance.now();
        const res = await s.fetch(route);
        await res.arrayBuffer();
        times.push(performance.now() - t);
        if (res.status !== 200) throw new Error(`${route}: HTTP ${res.status}`);
      }
      return { times, loopCpu: [], bytes: 0 };
    };
    try {
      for (const route of [
        'metrics',
        'insights',
        ...dims.map((d) => `cohorts?group_by=${d}`),
        'cohorts?group_by=repo&status=succeeded',
        'cohorts/summary',
        'lineage/run_lineage_root',
        'lineage/run_lineage_root/portfolio',
        'runs/run_lineage_0000/portfolio',
        'lineage/run_lineage_root/decision-summary',
      ]) {
        const { times, loopCpu, bytes } = await timeRoute(`/api/integrations/${route}`);
        const floor = floors.get(route)!;
        const scan = scans.get(route);
        // 1,000 samples at least: the floor is a fraction of a millisecond, and its p50 over 200 moved by 0.1–0.3 ms.
        const http = transport ? pct(await transport.time(bytes, Math.max(ROUNDS, 1000)), 50) : null;
        rows.push({
          route: `GET ${route}`,
          p50_ms: fmt(pct(times, 50)),
          p99_ms: fmt(pct(times, 99)),
          bare_sql_p50_ms: fmt(pct(floor, 50)),
          ratio_p50: fmt(pct(times, 50) / Math.max(pct(floor, 50), 0.001)),
          answer_kb: transport ? fmt(bytes / 1024) : null,
          bare_http_p50_ms: http === null ? null : fmt(http),
          ratio_over_sql_and_http: http === null ? null : fmt(pct(times, 50) / (pct(floor, 50) + http)),
          server_cpu_p50_ms: loopCpu.length ? fmt(pct(loopCpu, 50)) : null,
          full_scan_sql_ms: scan ? fmt(pct(scan, 50)) : null,
        });
      }
      transport?.stop();
      driver?.kill();

      console.table(rows);
      if (process.env.BENCH_ONLY === 'routes') return;

      // Export of the newest ~10k missions (streamed) and their import into an empty server (raw body, worker):
      // each end to end, with the server's peak RSS (budget < 5 s each, RSS < 400 MB).
      {
        const share = Math.min(1, 10_000 / N);
        const since = new Date(Date.now() - share * 120 * 86_400_000).toISOString();
        const rssA = peakRss(s.proc.pid!);
        const t0 = performance.now();
        const text = await (await s.fetch(`/api/integrations/export?start_date=${encodeURIComponent(since)}`)).text();
        const exportMs = performance.now() - t0;
        const exportRss = rssA.stop();
        const bundle = JSON.parse(text) as { runs: unknown[]; timeline_events: unknown[] };
        // BENCH_SAVE_EXPORT=file keeps the bundle (to profile an import on its own).
        if (process.env.BENCH_SAVE_EXPORT) writeFileSync(process.env.BENCH_SAVE_EXPORT, text);
        const target = await startServer({});
        const rssB = peakRss(target.proc.pid!);
        try {
          const t1 = performance.now();
          const res = await target.fetch('/api/integrations/import', { method: 'POST', body: text });
          const imp = (await res.json()) as { imported_runs?: number; message?: string };
          const importMs = performance.now() - t1;
          const importRss = rssB.stop();
          rows.push({
            route: `GET export (${bundle.runs.length} missions, ${bundle.timeline_events.length} events, ${(text.length / 1e6).toFixed(1)} MB)`,
            p50_ms: fmt(exportMs),
            p99_ms: null,
            peak_rss_mb: exportRss,
          });
          rows.push({
            route: `POST import into an empty server (${imp.imported_runs ?? imp.message} missions)`,
            p50_ms: fmt(importMs),
            p99_ms: null,
            peak_rss_mb: importRss,
          });
        } catch (err) {
          rows.push({ route: 'POST import', error: `${(err as Error).message} ${String((err as { cause?: unknown }).cause ?? '')}` });
        } finally {
          rssB.stop();
          await target.stop();
        }
      }

      await compaction(s, rows);
    } finally {
      driver?.kill();
      await s.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  console.table(rows);
  if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify(rows, null, 2));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
