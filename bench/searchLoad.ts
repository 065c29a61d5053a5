// Closed-loop POST load with autocannon (the generator design/performance.md names): `connections` clients, each
// sending its next request as soon as the last one answered, bodies sent in order, round robin. Used by the memory
// bench in a child process (loadGenerator.ts) or, with BENCH_DRIVER=inline, in the bench process itself.
// @ts-expect-error autocannon ships no type declarations
import autocannon from 'autocannon';

export type LoadAsk = { url: string; token: string; connections: number; amount: number; path: string; bodies: string[] };
/** Latencies in whole ms (autocannon's histogram), how many, and the first failure ('' when none). */
export type LoadResult = { p50: number; p99: number; max: number; n: number; failed: string };

export async function runLoad(m: LoadAsk): Promise<LoadResult> {
  let next = 0;
  let failed = '';
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
  if (!failed && (r.non2xx || r.errors)) failed = `${r.non2xx} non-2xx, ${r.errors} errors`;
  return { p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max, n: r.latency.totalCount, failed };
}
