// Memory benchmark (design/performance.md): seed N memories (default 200,000) straight into a fresh database —
// one transaction, prepared statements, synthetic but varied text, MinHash sketches, and mock-provider
// embeddings (256-dim Float32 BLOBs) — then start the real server on it and measure
//   • POST /api/capsules/search (top 6) over a few hundred queries: p50 / p99, client and server side;
//   • the maintenance job (duplicate + conflict scans, decay, archive) end to end, and search latency while it runs.
// Usage: npm run build && node --import tsx bench/memory.ts [count] [--keep] [--db DIR] [--no-maintenance]
//   BENCH_ENV='{"AGENTORA_…":"…"}' passes settings to the server; BENCH_DEBUG=1 lists slow round trips.
import { fork, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { openDatabase } from '../server/src/store/db';
import { mergeTextIndex } from '../server/src/services/memory/textIndex';
import { MOCK_EMBED_DIM, MOCK_EMBED_MODEL, mockEmbedding } from '../server/src/bridges/models/mock';
import { signature, toBlob } from '../server/src/services/memory/minhash';
import { normHash, words } from '../server/src/services/memory/text';
import { encodeVector, dot, unit } from '../server/src/services/memory/vectors';
import { CLI, ROOT } from '../test/helpers/server';
import { procCpuMs, threadCpuDelta, threadCpuMs } from './procCpu';
import { leanClient } from './leanHttp';
import { runLoad, type LoadAsk, type LoadResult } from './searchLoad';

const N = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 200_000);
/** `--keep`: leave the seeded data dir for profiling (its path is printed). */
const KEEP = process.argv.includes('--keep');
/** `--db DIR`: skip seeding and run on a copy of DIR/agentora.db (a data dir kept by an earlier `--keep`). */
const FROM = process.argv.includes('--db') ? process.argv[process.argv.indexOf('--db') + 1] : undefined;
const QUERIES = 300;

// ---- deterministic pseudo-random text ----
let rngState = 42;
const rand = () => (rngState = (Math.imul(rngState, 1664525) + 1013904223) >>> 0) / 2 ** 32;
const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
/** Zipf-ish: low indexes far more often, like real vocabulary. */
const zipf = <T>(xs: readonly T[]) => xs[Math.min(xs.length - 1, Math.floor(xs.length * rand() ** 3))]!;

const SYL = ['ka', 'lo', 'mi', 'ren', 'tu', 'sa', 'vek', 'dor', 'pli', 'an', 'mer', 'zo', 'ti', 'gal', 'nu', 'bra', 'cel', 'fin', 'hop', 'jex'];
const JARGON = Array.from(
  { length: 4000 },
  (_, i) => SYL[i % 20]! + SYL[Math.floor(i / 20) % 20]! + (i >= 400 ? SYL[Math.floor(i / 400) % 20]! : ''),
);
const SERVICES = [
  'payments',
  'billing',
  'search',
  'auth',
  'gateway',
  'ingest',
  'reports',
  'notifications',
  'scheduler',
  'storage',
  'analytics',
  'checkout',
  'catalog',
  'inventory',
  'profile',
];
const VERBS = [
  'retries',
  'caches',
  'validates',
  'streams',
  'batches',
  'encrypts',
  'indexes',
  'throttles',
  'replicates',
  'compresses',
  'logs',
  'exports',
  'rotates',
  'migrates',
];
const OBJECTS = [
  'webhooks',
  'sessions',
  'invoices',
  'events',
  'tokens',
  'snapshots',
  'queries',
  'uploads',
  'metrics',
  'secrets',
  'orders',
  'reports',
  'jobs',
  'certificates',
];
const WHEN = [
  'at midnight',
  'on every deploy',
  'after a failed health check',
  'when the queue is full',
  'every five minutes',
  'before the nightly export',
  'during peak traffic',
  'on the first Monday',
];
const KEYS = ['port', 'timeout', 'region', 'owner', 'retention', 'replica count', 'log level'];

function text(i: number): string {
  const svc = zipf(SERVICES);
  const r = rand();
  if (r < 0.12) return `The ${svc} ${pick(KEYS)} is ${Math.floor(rand() * 50) * 10 + 1000}.`;
  const jargon = Array.from({ length: 2 + Math.floor(rand() * 5) }, () => zipf(JARGON)).join(' ');
  const base = `The ${svc} service ${pick(VERBS)} ${pick(OBJECTS)} ${pick(WHEN)}; see ${jargon} (note ${i % 997}).`;
  return r < 0.5 ? base : `${base} Owners ${pick(['rotate', 'review', 'approve'])} changes ${pick(WHEN)} for ${zipf(JARGON)} ${zipf(JARGON)}.`;
}

// The mock embedding is a sum of per-word feature vectors (word + its trigrams), normalised; caching each word's
// vector gives the same embedding without hashing every feature of every text again.
const wordVec = new Map<string, Float32Array>();
function fastEmbedding(t: string): Float32Array {
  const v = new Float32Array(MOCK_EMBED_DIM);
  for (const w of words(t)) {
    let f = wordVec.get(w);
    if (!f) {
      // The same features mockEmbedding adds for this word, unnormalised, so their sum normalises to its result.
      const feat = new Float32Array(MOCK_EMBED_DIM);
      const add = (feature: string, weight: number) => {
        const h = createHash('sha1').update(feature).digest().readUInt32LE(0);
        feat[h % MOCK_EMBED_DIM]! += h & 0x80000000 ? -weight : weight;
      };
      add('w:' + w, 1);
      for (let i = 0; i + 3 <= w.length; i++) add('t:' + w.slice(i, i + 3), 0.3);
      wordVec.set(w, (f = feat));
    }
    for (let i = 0; i < MOCK_EMBED_DIM; i++) v[i]! += f[i]!;
  }
  return v;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

async function main() {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'agentora-bench-memory-'));
  const dbFile = path.join(dataDir, 'agentora.db');
  const results: Record<string, unknown> = { memories: N };
  try {
    // ---------------- seed ----------------
    const t = performance.now();
    if (FROM) copyFileSync(path.join(FROM, 'agentora.db'), dbFile);
    else seedDatabase(dbFile);
    results.seed_s = +((performance.now() - t) / 1000).toFixed(1);
    console.log(`${FROM ? 'copied' : 'seeded'} ${N} memories in ${results.seed_s} s`);
    // The store as the server keeps it: the server's text-index upkeep (services/memory/textIndex.ts, every few
    // minutes and in the maintenance job) merges an index that has grown several segments into one. The seeder's
    // one big transaction leaves several; run the same upkeep before measuring, and say so in the results.
    const db = openDatabase(dbFile);
    results.text_index = await mergeTextIndex(db, () => undefined);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    console.log('text index upkeep', results.text_index);
    await measure(dataDir, results);
    mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(path.join(ROOT, 'bench/results/memory.json'), JSON.stringify(results, null, 2));
    console.log(JSON.stringify(results, null, 2));
  } finally {
    if (KEEP) console.log(`kept ${dataDir}`);
    else rmSync(dataDir, { recursive: true, force: true });
  }
}

function seedDatabase(dbFile: string): void {
  const db = openDatabase(dbFile);
  const insert =
    db.prepare(`INSERT INTO memories (id, text, kind, source, source_ref, scope, repo, persona, layer, trust, salience, use_count, last_used_at, touched_at, created_at, updated_at, valid_from, status, norm_hash, version)
    VALUES (?, ?, ?, ?, NULL, 'workspace', ?, NULL, ?, ?, 1, ?, ?, ?, ?, ?, ?, 'active', ?, 1)`);
  const sketch = db.prepare('INSERT INTO memory_sketches (memory_id, minhash) VALUES (?, ?)');
  const embed = db.prepare('INSERT INTO memory_embeddings (memory_id, model, dim, vec) VALUES (?, ?, ?, ?)');
  const now = Date.now();
  const sources = ['chat', 'run', 'mission', 'upload', 'operator'] as const;
  const layers = ['working', 'episodic', 'episodic', 'episodic', 'semantic', 'core'] as const;
  const texts: string[] = [];
  db.transaction(() => {
    for (let i = 1; i <= N; i++) {
      // ~0.5% exact duplicates and ~0.5% near duplicates of an earlier memory.
      const r = rand();
      const tx =
        i > 100 && r < 0.005
          ? texts[Math.floor(rand() * texts.length)]!
          : i > 100 && r < 0.01
            ? texts[Math.floor(rand() * texts.length)]! + ' Confirmed again.'
            : text(i);
      if (texts.length < 50_000) texts.push(tx);
      const created = new Date(now - rand() * 365 * 86_400_000).toISOString();
      const uses = rand() < 0.7 ? 0 : Math.floor(1 / (rand() + 0.02));
      const used = uses ? new Date(Math.max(Date.parse(created), now - rand() * 60 * 86_400_000)).toISOString() : null;
      insert.run(
        i,
        tx,
        pick(['fact', 'note', 'decision', 'summary']),
        pick(sources),
        rand() < 0.2 ? 'agentora' : null,
        pick(layers),
        Math.round(rand() * 100) / 100,
        uses,
        used,
        used ?? created,
        created,
        created,
        created,
        normHash(tx),
      );
      sketch.run(i, toBlob(signature(tx)));
      embed.run(i, MOCK_EMBED_MODEL, MOCK_EMBED_DIM, encodeVector(fastEmbedding(tx)));
    }
  })();
  // The cached embedding equals the provider's (checked on a sample).
  for (const id of [1, Math.floor(N / 2), N]) {
    const row = db.prepare('SELECT m.text, e.vec FROM memories m JOIN memory_embeddings e ON e.memory_id = m.id WHERE m.id = ?').get(id) as {
      text: string;
      vec: Buffer;
    };
    const c = dot(unit(mockEmbedding(row.text)), new Float32Array(new Uint8Array(row.vec).buffer));
    if (c < 0.9999) throw new Error(`fast embedding differs from the mock provider's (cos ${c})`);
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.exec('ANALYZE');
  db.close();
}

async function measure(dataDir: string, results: Record<string, unknown>): Promise<void> {
  // ---------------- server ----------------
  let t = performance.now();
  // AGENTORA_SERVER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the server, as in test/helpers/server.ts.
  const nodeArgs = process.env.AGENTORA_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const extraEnv = process.env.BENCH_ENV ? (JSON.parse(process.env.BENCH_ENV) as Record<string, string>) : {};
  const proc = spawn(process.execPath, [...nodeArgs, CLI, 'serve', '--port', '0'], {
    env: { PATH: process.env.PATH, HOME: dataDir, AGENTORA_DATA_DIR: dataDir, AGENTORA_LOG_LEVEL: 'warn', ...extraEnv },
    cwd: dataDir,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /studio\s*: (http:\/\/[^/]+)\//.exec(out);
      if (m) resolve(m[1]!);
    });
    proc.on('exit', (c) => reject(new Error(`server exited ${c}`)));
  });
  results.server_ready_ms = Math.round(performance.now() - t);
  const token = readFileSync(path.join(dataDir, 'token'), 'utf8').trim();
  const client = leanClient(url, token);
  const { post, get } = client;
  try {
    const queries = Array.from({ length: QUERIES }, (_, i) =>
      i % 3 === 0
        ? `${zipf(SERVICES)} ${pick(VERBS)} ${pick(OBJECTS)}`
        : i % 3 === 1
          ? `what is the ${zipf(SERVICES)} ${pick(KEYS)}`
          : `${zipf(JARGON)} ${pick(OBJECTS)} ${pick(WHEN)}`,
    );
    for (const q of queries.slice(0, 20)) await post('/api/capsules/search', { query: q }); // warm up
    // The floor on this machine: the same HTTP path for a request that does no work.
    const floor: number[] = [];
    for (let i = 0; i < QUERIES; i++) {
      const t0 = performance.now();
      await get('/api/system/version');
      floor.push(performance.now() - t0);
    }
    results.floor_get_version = { p50_ms: +pct(floor, 50).toFixed(2), p99_ms: +pct(floor, 99).toFixed(2) };
    console.log('floor (GET /api/system/version)', results.floor_get_version);
    const client: number[] = [];
    const plainClient: number[] = [];
    const recordedClient: number[] = [];
    const server: number[] = [];
    let vectorUsed = 0;
    let hits = 0;
    for (const [i, q] of queries.entries()) {
      const t0 = performance.now();
      const r = await post('/api/capsules/search', { query: q, top_k: 6, ...(i % 2 ? { run_id: `bench-${i % 20}` } : {}) });
      const ms = performance.now() - t0;
      if (!r.ok) throw new Error(`search failed for "${q}": ${JSON.stringify(r)}`);
      if (process.env.BENCH_DEBUG && ms - r.took_ms > 15) console.log(`slow #${i}: round trip ${ms.toFixed(1)} ms, retrieval ${r.took_ms} ms, ${q}`);
      client.push(ms);
      (i % 2 ? recordedClient : plainClient).push(ms);
      server.push(r.took_ms);
      if (r.vector_used) vectorUsed++;
      hits += r.items.length;
    }
    results.search = {
      queries: QUERIES,
      client_p50_ms: +pct(client, 50).toFixed(2),
      client_p99_ms: +pct(client, 99).toFixed(2),
      plain_client_p99_ms: +pct(plainClient, 99).toFixed(2),
      with_context_client_p99_ms: +pct(recordedClient, 99).toFixed(2),
      server_p50_ms: +pct(server, 50).toFixed(2),
      server_p99_ms: +pct(server, 99).toFixed(2),
      /** Round trip minus the server's retrieval time: HTTP, validation, recording, scheduling on a shared machine. */
      overhead_p50_ms: +pct(
        client.map((c, i) => c - server[i]!),
        50,
      ).toFixed(2),
      overhead_p99_ms: +pct(
        client.map((c, i) => c - server[i]!),
        99,
      ).toFixed(2),
      vector_used: vectorUsed,
      avg_items: +(hits / QUERIES).toFixed(2),
    };
    console.log('search', results.search);

    // ---------------- 10 concurrent clients ----------------
    // Each client issues its next search as soon as the previous one answered (closed loop), as 10 agents or
    // panels would: p99 here includes waiting behind the others. The load generator is autocannon (the one
    // design/performance.md names): its raw-socket client costs a fraction of what node:http does, CPU the server
    // would otherwise lose on 2 cores. It runs in a child process (loadGenerator.ts) so that this process's large
    // heap is not collected inside the measured window; BENCH_DRIVER=inline runs it here as before session 11,
    // BENCH_CLIENT=lean runs the node:http client instead.
    const CLIENTS = 10;
    const PER_CLIENT = 60;
    const searches = CLIENTS * PER_CLIENT;
    // The generator's child is loaded (tsx, autocannon) before the clock starts: it says when it is.
    const gen =
      process.env.BENCH_CLIENT === 'lean' || process.env.BENCH_DRIVER === 'inline'
        ? null
        : fork(path.join(__dirname, 'loadGenerator.ts'), [], { execArgv: ['--import', 'tsx'] });
    if (gen) await new Promise((resolve) => gen.once('message', resolve));
    t = performance.now();
    const serverCpu0 = procCpuMs(proc.pid!);
    const threads0 = threadCpuMs(proc.pid!);
    const clientCpu0 = process.cpuUsage();
    let lat: { p50: number; p99: number; max: number; n: number };
    let generatorCpuMs = 0;
    if (process.env.BENCH_CLIENT === 'lean') {
      const conc: number[] = [];
      await Promise.all(
        Array.from({ length: CLIENTS }, async (_, c) => {
          for (let k = 0; k < PER_CLIENT; k++) {
            const q = queries[(c * PER_CLIENT + k) % queries.length]!;
            const t0 = performance.now();
            const r = await post('/api/capsules/search', { query: q, top_k: 6 });
            if (!r.ok) throw new Error(`search failed: ${JSON.stringify(r)}`);
            conc.push(performance.now() - t0);
          }
        }),
      );
      lat = { p50: pct(conc, 50), p99: pct(conc, 99), max: Math.max(...conc), n: conc.length };
    } else {
      // Every query twice, in the order of the single-client pass; autocannon in a child process of its own
      // (loadGenerator.ts says why), or here with BENCH_DRIVER=inline.
      const ask: LoadAsk = {
        url,
        token,
        connections: CLIENTS,
        amount: searches,
        path: '/api/capsules/search',
        bodies: queries.map((q) => JSON.stringify({ query: q, top_k: 6 })),
      };
      const r: LoadResult & { cpuMs?: number } = gen
        ? await new Promise<LoadResult & { cpuMs: number }>((resolve) => {
            gen.once('message', resolve as never);
            gen.send(ask);
          })
        : await runLoad(ask);
      if (r.failed) throw new Error(`search failed under load: ${r.failed}`);
      lat = { p50: r.p50, p99: r.p99, max: r.max, n: r.n };
      generatorCpuMs = r.cpuMs ?? 0;
    }
    const concS = (performance.now() - t) / 1000;
    const clientCpu = process.cpuUsage(clientCpu0);
    // Both processes share the machine's cores: what each search costs them is what limits throughput.
    const cpuPerSearch = {
      server_cpu_ms_per_search: +((procCpuMs(proc.pid!) - serverCpu0) / searches).toFixed(2),
      client_cpu_ms_per_search: +((clientCpu.user + clientCpu.system + generatorCpuMs * 1000) / 1000 / searches).toFixed(2),
      /** Which server thread pays: the event loop (HTTP, validation, embedding) or the retrieval thread (ranking). */
      server_cpu_ms_per_search_by_thread: threadCpuDelta(threads0, threadCpuMs(proc.pid!), searches),
    };
    results.search_concurrent = {
      clients: CLIENTS,
      client: process.env.BENCH_CLIENT === 'lean' ? 'node:http' : process.env.BENCH_DRIVER === 'inline' ? 'autocannon' : 'autocannon, child process',
      requests: lat.n,
      // Over the wall time of the whole phase, autocannon's start and stop included (its own `duration` is in whole
      // seconds): a lower bound. Little's law on p50 (clients / p50) gives the rate while it runs.
      req_per_s: +(lat.n / concS).toFixed(1),
      p50_ms: +lat.p50.toFixed(2),
      p99_ms: +lat.p99.toFixed(2),
      max_ms: +lat.max.toFixed(2),
      ...cpuPerSearch,
    };
    console.log('search, 10 concurrent clients', results.search_concurrent);

    // ---------------- health / layers (counters) ----------------
    for (const route of ['/api/memory/health', '/api/memory/layers']) {
      const xs: number[] = [];
      for (let i = 0; i < 100; i++) {
        const t0 = performance.now();
        await get(route);
        xs.push(performance.now() - t0);
      }
      (results as any)[`${route.split('/').pop()!}_route`] = { p50_ms: +pct(xs, 50).toFixed(2), p99_ms: +pct(xs, 99).toFixed(2) };
    }
    console.log('health route', (results as any).health_route, 'layers route', (results as any).layers_route);

    // ---------------- doctor (quick_check off the event loop) ----------------
    // A doctor that re-runs the integrity check, with GET /api/system/version back to back meanwhile: the worst
    // wait of a request during the check (budget: no request waits > 50 ms).
    {
      let done = false;
      const t0 = performance.now();
      const doc = get('/api/system/doctor?refresh=true').then((d) => ((done = true), d));
      const waits: number[] = [];
      while (!done) {
        const t1 = performance.now();
        await get('/api/system/version');
        if (!done) waits.push(performance.now() - t1);
      }
      const d = await doc;
      const item = d.items.find((i: any) => i.key === 'database');
      const tc = performance.now();
      await get('/api/system/doctor');
      results.doctor = {
        refresh_ms: +(performance.now() - t0).toFixed(1),
        quick_check_ms: item?.duration_ms ?? null,
        version_calls_during: waits.length,
        version_during_p50_ms: waits.length ? +pct(waits, 50).toFixed(2) : null,
        version_during_max_ms: waits.length ? +Math.max(...waits).toFixed(2) : null,
        cached_doctor_ms: +(performance.now() - tc).toFixed(1),
      };
      console.log('doctor', results.doctor);
    }

    if (process.argv.includes('--no-maintenance')) return;
    // ---------------- maintenance ----------------
    // Alone first (its run time, polled every 250 ms), then a second run with searches issued back to back
    // meanwhile: how requests fare while a job works through 200k memories on the same event loop.
    const waitFor = async (jobId: number, during?: number[]) => {
      for (;;) {
        const j = (await get(`/api/memory/maintenance/jobs/${jobId}?limit=1`)).job;
        if (j.status !== 'queued' && j.status !== 'running') return j;
        if (during) {
          const t0 = performance.now();
          await post('/api/capsules/search', { query: pick(queries) });
          during.push(performance.now() - t0);
        } else await new Promise((r) => setTimeout(r, 250));
      }
    };
    t = performance.now();
    const first = await waitFor((await post('/api/memory/maintenance/run', {})).job.job_id);
    const total = (performance.now() - t) / 1000;
    const during: number[] = [];
    t = performance.now();
    const second = await waitFor((await post('/api/memory/maintenance/run', {})).job.job_id, during);
    results.maintenance = {
      status: first.status,
      error: first.error,
      total_s: +total.toFixed(2),
      summary: first.summary,
      changes: first.change_count,
      second_run_s: +((performance.now() - t) / 1000).toFixed(2),
      second_run_changes: second.change_count,
      search_during_p50_ms: during.length ? +pct(during, 50).toFixed(2) : null,
      search_during_p99_ms: during.length ? +pct(during, 99).toFixed(2) : null,
      search_during_max_ms: during.length ? +Math.max(...during).toFixed(2) : null,
      searches_during: during.length,
    };
    console.log('maintenance', results.maintenance);
    const health = await get('/api/memory/health');
    results.health = {
      counts_by_layer: health.counts_by_layer,
      conflict_count: health.conflict_count,
      duplicate_count: health.duplicate_count,
      hot_count: health.hot_count,
      cold_count: health.cold_count,
    };
  } finally {
    client.close();
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
  }
}
void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
