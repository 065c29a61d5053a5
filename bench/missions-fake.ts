// The missions benchmark against the AgentCeption fake instead of the mock bridges:
//   npm run build && node --import tsx bench/missions-fake.ts
// The fake runs in a child process of its own (like a real AgentCeption: its request handling must not count as
// Agentora's event-loop stall), with recordHits off and autoComplete, so a run finishes after a few context reads.
// This process points bench/missions.ts at it (AGENTORA_INTEGRATIONS_MOCK=false, AGENTORA_AGENTCEPTION_URL) and
// times every refresh's upstream part (status: MCP context + events, then artifacts: /memory) per watcher cycle.
// Env: BENCH_FAKE_AUTOCOMPLETE (context reads before a run completes, default 3) plus those of bench/missions.ts.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

if (process.env.BENCH_FAKE_CHILD) {
  // Child: just the fake, printing its URL.
  void import('../test/fakes/agentception').then(async ({ startFakeAgentception }) => {
    const ac = await startFakeAgentception({ recordHits: false, autoComplete: Number(process.env.BENCH_FAKE_AUTOCOMPLETE ?? 3) });
    console.log(`FAKE_URL ${ac.url}`);
    process.on('SIGTERM', () => void ac.stop().then(() => process.exit(0)));
  });
} else {
  void main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}

async function main() {
  const child = spawn(process.execPath, ['--import', 'tsx', __filename], {
    env: { ...process.env, BENCH_FAKE_CHILD: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.on('line', (l) => {
      const m = /^FAKE_URL (\S+)/.exec(l);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (c) => reject(new Error(`fake exited with ${c}`)));
  });
  console.log(`AgentCeption fake (own process, pid ${child.pid}) at ${url}`);
  const out = process.env.BENCH_JSON ?? path.join(os.tmpdir(), `agentora-bench-missions-fake-${process.pid}.json`);
  rmSync(out, { force: true });
  Object.assign(process.env, {
    AGENTORA_INTEGRATIONS_MOCK: 'false',
    AGENTORA_AGENTCEPTION_ENABLED: 'true',
    AGENTORA_AGENTCEPTION_URL: url,
    BENCH_JSON: out,
  });

  // Per-refresh timing: from status() (the refresh's first upstream call) to artifacts() (its last) per run id.
  const { AgentceptionHttpBridge } = await import('../server/src/bridges/missions/agentception/http');
  const proto = AgentceptionHttpBridge.prototype;
  const started = new Map<string, number>();
  const refreshMs: number[] = [];
  const status = proto.status;
  const artifacts = proto.artifacts;
  proto.status = function (this: InstanceType<typeof AgentceptionHttpBridge>, id, o) {
    started.set(id, performance.now());
    return status.call(this, id, o);
  };
  proto.artifacts = async function (this: InstanceType<typeof AgentceptionHttpBridge>, id) {
    try {
      return await artifacts.call(this, id);
    } finally {
      const t = started.get(id);
      if (t !== undefined) refreshMs.push(performance.now() - t);
      started.delete(id);
    }
  };

  await import('./missions');
  // bench/missions.ts runs on import and writes its JSON last: wait for it (the fake keeps this process alive).
  while (!existsSync(out)) await new Promise((r) => setTimeout(r, 200));
  const result = JSON.parse(readFileSync(out, 'utf8')) as { active: number; rows: { scenario: string; p50_ms: number }[] };
  const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? 0;
  const cycles = result.rows.filter((r) => r.scenario.startsWith('watcher cycle'));
  const rows = [];
  let from = 0;
  for (const c of cycles) {
    const n = Number(/over (\d+) active/.exec(c.scenario)?.[1] ?? 0);
    const xs = refreshMs.slice(from, from + n);
    from += n;
    rows.push({
      cycle: c.scenario,
      refreshes: xs.length,
      refresh_p50_ms: +pct(xs, 50).toFixed(2),
      refresh_p99_ms: +pct(xs, 99).toFixed(2),
      cycle_ms: c.p50_ms,
      ...Object.fromEntries(Object.entries(c).filter(([k]) => k.startsWith('loop_delay') || k === 'errors' || k === 'finished')),
    });
  }
  console.log('\nper-refresh upstream time (status + artifacts against the fake), per watcher cycle:');
  console.table(rows);
  if (!process.env.BENCH_JSON) rmSync(out, { force: true });
  child.kill('SIGTERM');
  process.exit(0);
}
