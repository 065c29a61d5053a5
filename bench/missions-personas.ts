// Persona analytics and audit benchmark: `npm run build && node --import tsx bench/missions-personas.ts`
//  1. seeds 100k missions (personas, strategies, overlays, decisions, scores; one root with 1k descendants and
//     their decision events) into a temp data dir before the analytics migrations, then opens it (all migrations);
//  2. over HTTP against the real server: persona trends, the persona × strategy matrix and a matrix drill-down,
//     uncached (the cache dropped before each request) and cached, the decision audit of the 1k-descendant root,
//     each printed beside its bare SQL on the same file (ratio = route / bare SQL p50);
//  3. candidate pattern derivation over all missions (the time the server reports for one derivation).
// Env: BENCH_MISSIONS (100000), BENCH_ROUNDS (100), BENCH_JSON (output file).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type Db } from '../server/src/store/db';
import { migrations } from '../server/src/store/migrations';
import { aggregate, SQL, whereOf } from '../server/src/services/missions/personas/analytics';
import { startServer } from '../test/helpers/server';

const N = Number(process.env.BENCH_MISSIONS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 100);
const DESCENDANTS = 1000;
const REPOS = Array.from({ length: 40 }, (_, i) => `org${i % 7}/repo-${i}`);
const PERSONAS = ['default', 'skeptic_reviewer', 'architect_refactorer', 'conservative_stabilizer', 'rapid_builder', 'recovery_operator'];
const STRATEGIES = [
  null,
  null,
  'conservative_fix',
  'aggressive_refactor',
  'minimal_patch',
  'recovery_branch',
  'exploratory_branch',
  'constraint_tightening',
];
const STATUSES = ['succeeded', 'succeeded', 'succeeded', 'failed', 'cancelled', 'prepared', 'running'];
const DECISIONS = ['none', 'none', 'none', 'shortlisted', 'eliminated'];
const LEVELS = ['low', 'medium', 'high'];
const ROOT = 'run_root_bench_00000';

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
  const r = rng(11);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const insert =
    db.prepare(`INSERT INTO missions (id, created_at, updated_at, status, repo, persona_id, persona_overlay, strategy, mission_title, objective,
    session_id, packet_json, snapshot_hash, root_mission_id, parent_mission_id, lineage_depth, pr_url, writeback_status, mission_score, confidence_level,
    risk_level, decision_state)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'objective', ?, '{"risk_flags":[]}', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const now = Date.now();
  db.transaction(() => {
    insert.run(
      ROOT,
      new Date(now - 100 * 86_400_000).toISOString(),
      new Date().toISOString(),
      'succeeded',
      'org0/repo-0',
      'default',
      null,
      null,
      'Root',
      'ses',
      ROOT,
      ROOT,
      null,
      0,
      null,
      'succeeded',
      80,
      'high',
      'low',
      'none',
    );
    for (let i = 1; i < N; i++) {
      const id = `run_${i.toString(16).padStart(16, '0')}`;
      const created = new Date(now - Math.floor(r() * 120 * 86_400_000)).toISOString();
      const status = pick(STATUSES);
      const repo = pick(REPOS);
      const score = Math.round(r() * 100);
      const strategy = pick(STRATEGIES);
      const inRoot = i <= DESCENDANTS;
      insert.run(
        id,
        created,
        created,
        status,
        repo,
        pick(PERSONAS),
        strategy ? pick(PERSONAS) : null,
        strategy,
        `Mission ${i}`,
        `ses_${i}`,
        id.padEnd(64, '0'),
        inRoot ? ROOT : id,
        inRoot ? ROOT : null,
        inRoot ? 1 : 0,
        status === 'succeeded' && r() < 0.8 ? `https://github.com/${repo}/pull/${i}` : null,
        status === 'succeeded' ? pick(['none', 'succeeded', 'failed']) : 'none',
        score,
        score >= 75 ? 'high' : score >= 45 ? 'medium' : 'low',
        pick(LEVELS),
        pick(DECISIONS),
      );
    }
  })();
  return performance.now() - started;
}

function seedDecisions(db: Db): number {
  const ins = db.prepare(`INSERT INTO mission_decisions (mission_id, created_at, type, actor, note, data_json, previous_state, new_state, rule)
    VALUES (?, ?, ?, ?, 'bench', '{}', 'pending', ?, ?)`);
  const types = ['recommendation_accepted', 'override_applied', 'policy_blocked_action', 'shortlist_applied'];
  let n = 0;
  db.transaction(() => {
    for (let i = 1; i <= DESCENDANTS; i++) {
      const id = `run_${i.toString(16).padStart(16, '0')}`;
      for (let j = 0; j < 3; j++, n++) {
        const t = types[(i + j) % types.length]!;
        ins.run(
          id,
          new Date().toISOString(),
          t,
          j === 2 ? 'watcher' : 'http',
          'accepted',
          t === 'policy_blocked_action' ? 'override_reason_required' : null,
        );
      }
    }
  })();
  return n;
}

function timeSql(db: Db, qs: { sql: string; args: Record<string, unknown>; pluck?: boolean }[], rounds: number): number[] {
  const stmts = qs.map((q) => ({ s: q.pluck ? db.prepare(q.sql).pluck() : db.prepare(q.sql), a: q.args }));
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    for (const q of stmts) q.s.all(q.a);
    times.push(performance.now() - t);
  }
  return times;
}

async function main() {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'agentora-bench-personas-'));
  const rows: Record<string, unknown>[] = [];
  try {
    const file = path.join(dataDir, 'agentora.db');
    const old = openDatabase(file, { migrations: migrations.filter((m) => m.version < 35) });
    const seedMs = seed(old);
    old.close();
    const tm = performance.now();
    const db = openDatabase(file);
    console.log(`seeded ${N} missions in ${fmt(seedMs)} ms; migrations 35+ in ${fmt(performance.now() - tm)} ms`);
    const decisions = seedDecisions(db);
    db.pragma('optimize');

    const w30 = whereOf({ window: '30d' });
    const wAll = whereOf({ window: 'all' });
    const cell = whereOf({ window: 'all', persona_id: 'rapid_builder', strategy: 'minimal_patch' });
    const floors: Record<string, number[]> = {
      trends: timeSql(db, [aggregate(w30, 'byPersona'), aggregate(w30, 'series')], ROUNDS),
      matrix: timeSql(db, [aggregate(wAll, 'matrix')], ROUNDS),
      // For reference: the same matrix as a GROUP BY over the missions' covering index (no cube).
      matrix_scan: timeSql(db, [{ sql: SQL.matrix(wAll.sql), args: wAll.args }], 5),
      drill: timeSql(
        db,
        [
          { sql: SQL.count(cell.sql), args: cell.args, pluck: true },
          { sql: SQL.drill(cell.sql), args: { ...cell.args, limit: 100, offset: 0 } },
        ],
        ROUNDS,
      ),
      audit: timeSql(
        db,
        [
          {
            sql: `SELECT d.type, d.actor, count(*) FROM mission_decisions d WHERE d.mission_id IN (SELECT id FROM missions WHERE root_mission_id = @root) GROUP BY d.type, d.actor`,
            args: { root: ROOT },
          },
          {
            sql: `SELECT d.*, m.root_mission_id FROM mission_decisions d LEFT JOIN missions m ON m.id = d.mission_id WHERE d.mission_id IN (SELECT id FROM missions WHERE root_mission_id = @root) ORDER BY d.id DESC LIMIT 100`,
            args: { root: ROOT },
          },
        ],
        ROUNDS,
      ),
    };
    db.close();

    const s = await startServer({}, 120000, { dataDir });
    const API = '/api/integrations';
    const invalidate = async () => (await s.fetch(`${API}/analytics/cache/invalidate`, { method: 'POST', body: '{}' })).arrayBuffer();
    const time = async (route: string, cached: boolean) => {
      const times: number[] = [];
      for (let i = 0; i < ROUNDS + 5; i++) {
        if (!cached) await invalidate();
        const t = performance.now();
        const res = await s.fetch(`${API}/${route}`);
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`${route}: HTTP ${res.status}`);
        if (i >= 5) times.push(performance.now() - t);
      }
      return times;
    };
    try {
      const cases: [string, string, boolean][] = [
        ['trends', 'persona-trends?window=30d', false],
        ['trends', 'persona-trends?window=30d', true],
        ['matrix', 'persona-trends/matrix?window=all', false],
        ['matrix', 'persona-trends/matrix?window=all', true],
        ['drill', 'drilldown/persona-matrix?window=all&persona_id=rapid_builder&strategy=minimal_patch&limit=100', false],
        ['audit', `lineage/${ROOT}/decision-audit?limit=100`, false],
      ];
      for (const [floorKey, route, cached] of cases) {
        const times = await time(route, cached);
        const floor = floors[floorKey]!;
        rows.push({
          route: `GET ${route}${cached ? ' (cached)' : ''}`,
          p50_ms: fmt(pct(times, 50)),
          p99_ms: fmt(pct(times, 99)),
          bare_sql_p50_ms: fmt(pct(floor, 50)),
          ratio_p50: cached ? null : fmt(pct(times, 50) / Math.max(pct(floor, 50), 0.001)),
          ...(floorKey === 'matrix' && !cached ? { index_scan_sql_ms: fmt(pct(floors.matrix_scan!, 50)) } : {}),
        });
      }
      const t = performance.now();
      const c = (await (await s.fetch(`${API}/memory/patterns/candidates?limit=1`)).json()) as { derived: { ms: number; groups: number } };
      rows.push({
        route: `candidate derivation (${N} missions, ${c.derived.groups} groups)`,
        p50_ms: c.derived.ms,
        request_ms: fmt(performance.now() - t),
      });
      console.log(`decision events in the ${DESCENDANTS}-descendant lineage: ${decisions}`);
    } finally {
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
