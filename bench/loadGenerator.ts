// The memory bench's load generator in a child process of its own: autocannon's clients, with a small heap, so
// neither its work nor the garbage collection of the bench process's heap (the seeded corpus, the queries, the
// results) runs inside the measured window beside the server on a 2-core machine — what session 10 found the
// personas and compaction benches' tails were made of (requestDriver.ts).
// Protocol (IPC): { ready: true } once loaded, then one { url, token, connections, amount, path, bodies } → { p50, p99, max, n, cpuMs, failed }
// (bodies: the request bodies, sent in order, round robin; cpuMs: this process's CPU over the run).
// @ts-expect-error autocannon ships no type declarations
import autocannon from 'autocannon';

type Ask = { url: string; token: string; connections: number; amount: number; path: string; bodies: string[] };

process.once('message', async (m: Ask) => {
  let next = 0;
  let failed = '';
  const cpu0 = process.cpuUsage();
  try {
    const r = await autocannon({
      url: m.url,
      connections: m.connections,
      amount: m.amount,
      requests: [
        {
          method: 'POST',
          path: m.path,
          headers: { authorization: `Bearer ${m.token}`, 'content-type': 'application/json' },
          setupRequest: (req: object) => ({ ...req, body: m.bodies[next++ % m.bodies.length] }),
          onResponse: (status: number, body: string) => {
            if (status !== 200 || !body.includes('"ok":true')) failed ||= `${status} ${body.slice(0, 300)}`;
          },
        },
      ],
    });
    const cpu = process.cpuUsage(cpu0);
    if (!failed && (r.non2xx || r.errors)) failed = `${r.non2xx} non-2xx, ${r.errors} errors`;
    // autocannon's histogram holds whole milliseconds.
    process.send!({
      p50: r.latency.p50,
      p99: r.latency.p99,
      max: r.latency.max,
      n: r.latency.totalCount,
      cpuMs: (cpu.user + cpu.system) / 1000,
      failed,
    });
  } catch (err) {
    process.send!({ failed: (err as Error).message });
  }
  process.disconnect();
});
process.send!({ ready: true });
