// Missions benchmark: `npm run build && node --import tsx bench/missions.ts`
//  1. seeds 100k missions (+ 200k timeline events) in one transaction into a temp data dir;
//  2. `GET runs` with filters, p50/p99: through the service layer (in process) and over HTTP (the real server);
//     the bare SQL of each query is timed too, as the floor;
//  3. a watcher cycle over 1,000 active missions, with the event-loop delay measured meanwhile. Against the mock
//     bridges by default; against a real (or fake) AgentCeption with
//     AGENTORA_INTEGRATIONS_MOCK=false AGENTORA_AGENTCEPTION_ENABLED=true AGENTORA_AGENTCEPTION_URL=http://127.0.0.1:PORT
//     (missions are launched through the service first, with a ready packet so PhiOS is not needed).
// Env: BENCH_MISSIONS (default 100000), BENCH_ACTIVE (1000), BENCH_ROUNDS (300), BENCH_JSON (output file).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../server/src/config';
import type { ServerContext } from '../server/src/context';
import { EventBus } from '../server/src/events';
import { createLogger } from '../server/src/log';
import { openDatabase, type Db } from '../server/src/store/db';
import { missionsServices } from '../server/src/services/missions';
import { ServiceRegistry } from '../server/src/services/registry';
import { runWatcherCycle } from '../server/src/services/missions/watcher';
import { resetBridges } from '../server/src/services/missions/state';
import { startServer } from '../test/helpers/server';

const N = Number(process.env.BENCH_MISSIONS ?? 100_000);
const ACTIVE = Number(process.env.BENCH_ACTIVE ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 300);
const REPOS = Array.from({ length: 40 }, (_, i) => `org${i % 7}/repo-${i}`);
const PERSONAS = ['default', 'skeptic_reviewer', 'architect_refactorer', 'conservative_stabilizer', 'rapid_builder'];
const STATUSES = ['succeeded', 'succeeded', 'succeeded', 'failed', 'cancelled', 'prepared', 'dry_run', 'running', 'launch_failed', 'blocked'];
const WB = ['none', 'succeeded', 'succeeded', 'failed', 'pending', 'skipped'];
const LEVELS = ['low', 'medium', 'high'];

/** Deterministic pseudo-random numbers (the same data every run). */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

const PACKET = JSON.stringify({
  session_id: 'ses_bench',
  persona: { id: 'default', name: 'Default Engineer', role: 'engineer', style: 'pragmatic', goals: ['ship'], constraints: [] },
  mission_title: 'Bench',
  mission_objective: 'Bench objective',
  repo: 'org/repo',
  memory_snippets: [{ id: 'm1', text: 'tests live next to the code', source: 'phios://agents/memory/x', score: 0.8 }],
  risk_flags: [{ name: 'wide change', severity: 'medium', mitigation: 'split' }],
  generated_at: '2026-01-01T00:00:00.000Z',
  source: 'mock',
});

function seed(db: Db): number {
  const started = performance.now();
  const r = rng(42);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const insert = db.prepare(`INSERT INTO missions (id, created_at, updated_at, status, repo, persona_id, mission_title, objective, operator_intent,
    constraints_json, acceptance_criteria_json, session_id, packet_json, snapshot_hash, root_mission_id, job_id, branch, pr_url, summary,
    artifacts_json, writeback_status, mission_score, confidence_level, risk_level, watched)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', '[]', '[]', ?, ?, ?, ?, ?, ?, ?, ?, '[]', ?, ?, ?, ?, 0)`);
  const event = db.prepare("INSERT INTO mission_events (mission_id, created_at, type, message, data_json, actor) VALUES (?, ?, ?, ?, '{}', 'bench')");
  const t0 = Date.parse('2026-05-01T00:00:00Z');
  db.transaction(() => {
    for (let i = 0; i < N; i++) {
      const id = `run_${i.toString(16).padStart(16, '0')}`;
      const created = new Date(t0 + Math.floor(r() * 180 * 86_400_000)).toISOString();
      const status = pick(STATUSES);
      const launched = !['prepared', 'dry_run', 'launch_failed'].includes(status);
      const repo = pick(REPOS);
      const n = 1000 + i;
      const score = Math.round(r() * 100);
      insert.run(
        id,
        created,
        created,
        status,
        repo,
        pick(PERSONAS),
        `Mission ${i}: ${pick(['fix', 'refactor', 'migrate', 'document', 'speed up'])} ${pick(['login', 'billing', 'search', 'export', 'cache'])}`,
        `Objective ${i} for ${repo}`,
        `ses_${i}`,
        PACKET,
        id.padEnd(64, '0'),
        id,
        launched ? `issue-${n}` : null,
        launched ? `agent/issue-${n}` : null,
        status === 'succeeded' ? `https://github.com/${repo}/pull/${n}` : null,
        status === 'succeeded' ? 'Done: tests pass.' : null,
        launched ? pick(WB) : 'none',
        score,
        score >= 75 ? 'high' : score >= 45 ? 'medium' : 'low',
        pick(LEVELS),
      );
      event.run(id, created, 'prepared', 'seeded');
      if (launched) event.run(id, created, 'launched', 'seeded');
    }
  })();
  return performance.now() - started;
}

function ctxFor(dataDir: string, db: Db): ServerContext {
  const config = loadConfig({ env: process.env, dotenvFiles: [], overrides: { dataDir } });
  return {
    config,
    db,
    log: createLogger('error'),
    events: new EventBus(),
    models: {} as never,
    version: 'bench',
    startedAt: new Date(),
    token: '',
    http: { url: null, error: null },
  };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const fmt = (ms: number) => ms.toFixed(2);

const SCENARIOS: [string, Record<string, string | number>][] = [
  ['no filter', { limit: 50 }],
  ['status', { status: 'succeeded', limit: 50 }],
  ['repo + status', { repo: 'org3/repo-10', status: 'failed', limit: 50 }],
  ['persona + confidence', { persona_id: 'rapid_builder', confidence_level: 'high', limit: 50 }],
  ['writeback_status', { writeback_status: 'pending', limit: 50 }],
  ['score range', { mission_score_min: 40, mission_score_max: 60, limit: 50 }],
  ['date range', { start_date: '2026-06-01', end_date: '2026-06-15', limit: 50 }],
  ['search', { search: 'billing', limit: 50 }],
  ['deep page', { status: 'succeeded', limit: 50, offset: 5000 }],
];

async function main() {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'agentora-bench-missions-'));
  const rows: Record<string, unknown>[] = [];
  try {
    const db = openDatabase(path.join(dataDir, 'agentora.db'));
    const seedMs = seed(db);
    db.pragma('optimize');
    console.log(`seeded ${N} missions (+ events) in ${fmt(seedMs)} ms`);
    const ctx = ctxFor(dataDir, db);
    const registry = new ServiceRegistry(ctx, missionsServices);
    const call = { transport: 'internal' as const, actor: 'bench' };

    // Service layer (in process): validation + SQL + mapping + result validation.
    for (const [name, params] of SCENARIOS) {
      for (let i = 0; i < 10; i++) await registry.call('agentora/missions/list', params, call); // warm-up
      const times: number[] = [];
      let total = 0;
      for (let i = 0; i < ROUNDS; i++) {
        const t = performance.now();
        const r = (await registry.call('agentora/missions/list', params, call)) as { total: number };
        times.push(performance.now() - t);
        total = r.total;
      }
      rows.push({ scenario: `service: list ${name}`, p50_ms: +fmt(pct(times, 50)), p99_ms: +fmt(pct(times, 99)), matches: total });
    }
    db.close();

    // Over HTTP, through the real server on the same data (also measures a cold start on 100k missions).
    const s = process.env.BENCH_SKIP_HTTP ? null : await startServer({}, 60000, { dataDir });
    if (s) {
      rows.push({ scenario: 'server cold start to ready (100k missions)', p50_ms: +fmt(s.readyMs), p99_ms: null, matches: null });
      try {
        for (const [name, params] of SCENARIOS) {
          const q = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString();
          for (let i = 0; i < 10; i++) await (await s.fetch(`/api/integrations/runs?${q}`)).arrayBuffer();
          const times: number[] = [];
          for (let i = 0; i < ROUNDS; i++) {
            const t = performance.now();
            const res = await s.fetch(`/api/integrations/runs?${q}`);
            await res.arrayBuffer();
            times.push(performance.now() - t);
            if (res.status !== 200) throw new Error(`${name}: HTTP ${res.status}`);
          }
          rows.push({ scenario: `HTTP: GET runs ${name}`, p50_ms: +fmt(pct(times, 50)), p99_ms: +fmt(pct(times, 99)), matches: null });
        }
      } finally {
        await s.stop();
      }
    }

    // Watcher cycle over ACTIVE missions (launched through the service so the AgentCeption side knows them).
    const db2 = openDatabase(path.join(dataDir, 'agentora.db'));
    const ctx2 = ctxFor(dataDir, db2);
    const reg2 = new ServiceRegistry(ctx2, missionsServices);
    const packet = { ...JSON.parse(PACKET), repo: 'org0/repo-0' };
    const t = performance.now();
    let launchFailures = 0;
    const ids: string[] = [];
    const queue = Array.from({ length: ACTIVE }, (_, i) => i);
    await Promise.all(
      Array.from({ length: 25 }, async () => {
        for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
          const r = (await reg2.call(
            'agentora/missions/launch',
            { repo: 'org0/repo-0', mission_title: `Active ${i}`, objective: 'watch me', prepared_packet: packet, issue_number: 500000 + i },
            call,
          )) as { ok: boolean; run_id: string };
          if (!r.ok) launchFailures++;
          ids.push(r.run_id);
        }
      }),
    );
    console.log(
      `launched ${ACTIVE} missions in ${fmt(performance.now() - t)} ms (${launchFailures} failed) against ${ctx2.config['integrations.mock'] ? 'the mock bridges' : ctx2.config['agentception.url']}`,
    );
    for (let c = 1; c <= 3; c++) {
      // Event-loop stalls during the cycle: a 1 ms ticker records how late each tick fires.
      const lags: number[] = [];
      let last = performance.now();
      const ticker = setInterval(() => {
        const now = performance.now();
        lags.push(Math.max(0, now - last - 1));
        last = now;
      }, 1);
      const rep = await runWatcherCycle(ctx2);
      clearInterval(ticker);
      rows.push({
        scenario: `watcher cycle ${c} over ${rep.due} active (concurrency ${ctx2.config['missions.watcherMaxActiveRuns']})`,
        p50_ms: rep.ms,
        p99_ms: null,
        matches: null,
        refreshed: rep.refreshed,
        errors: rep.errors,
        finished: rep.finished,
        loop_delay_max_ms: +fmt(Math.max(0, ...lags)),
        loop_delay_p99_ms: +fmt(lags.length ? pct(lags, 99) : 0),
      });
    }
    await resetBridges(ctx2);
    db2.close();
  } finally {
    if (process.env.BENCH_KEEP) console.log(`kept ${dataDir}`);
    else rmSync(dataDir, { recursive: true, force: true });
  }
  console.table(rows);
  const out = process.env.BENCH_JSON ?? path.join(__dirname, '..', 'test-results', 'bench-missions.json');
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(
    out,
    JSON.stringify({ missions: N, active: ACTIVE, rounds: ROUNDS, node: process.version, at: new Date().toISOString(), rows }, null, 2),
  );
  console.log(`results: ${out}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
