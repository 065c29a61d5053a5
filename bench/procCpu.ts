import { readdirSync, readFileSync } from 'node:fs';

/** utime + stime of a /proc stat file, in ms (clock ticks, USER_HZ = 100). */
function statCpuMs(file: string): number {
  const f = readFileSync(file, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
}

/** CPU time (user + system, ms) a process has used so far, from /proc (Linux): load-independent cost per operation. */
export function procCpuMs(pid: number): number {
  return statCpuMs(`/proc/${pid}/stat`);
}

/**
 * CPU time (ms) per thread of a process, keyed "tid name" (Linux): shows which thread a cost lands on — the event
 * loop (named like the process), worker threads, libuv's pool. Diff two snapshots with `threadCpuDelta`.
 */
export function threadCpuMs(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      out.set(`${tid} ${name}`, statCpuMs(`/proc/${pid}/task/${tid}/stat`));
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return out;
}

/** Threads that used at least 1% of the total between two snapshots, with ms per `per` operations. */
export function threadCpuDelta(before: Map<string, number>, after: Map<string, number>, per: number): Record<string, number> {
  const d = [...after].map(([k, v]) => [k, v - (before.get(k) ?? 0)] as const);
  const total = d.reduce((a, [, v]) => a + v, 0);
  return Object.fromEntries(d.filter(([, v]) => v > total / 100).map(([k, v]) => [k, +(v / per).toFixed(2)]));
}

/**
 * [CPU ms, run-queue wait ms] of a process's main thread so far (/proc/<pid>/task/<pid>/schedstat, Linux; null
 * elsewhere): per request, the CPU is what the thread spent whatever the load; the wait is how long it was ready to
 * run but had no core — the machine's share of a slow sample, not the route's.
 */
export function schedStat(pid: number): [number, number] | null {
  try {
    const [cpu, wait] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ');
    return [Number(cpu) / 1e6, Number(wait) / 1e6];
  } catch {
    return null;
  }
}
