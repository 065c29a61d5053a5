// Quick figures until the full `npm run bench` (issue-level budgets in design/performance.md) exists:
// server cold start to ready, and authenticated GET /api/system/version throughput with autocannon.
// @ts-expect-error autocannon ships no type declarations
import autocannon from 'autocannon';
import { startServer } from '../test/helpers/server';

async function main() {
  const starts: number[] = [];
  for (let i = 0; i < 5; i++) {
    const s = await startServer();
    starts.push(s.readyMs);
    await s.stop();
  }
  const s = await startServer();
  try {
    const r = await autocannon({
      url: `${s.url}/api/system/version`,
      connections: 20,
      duration: 10,
      headers: { authorization: `Bearer ${s.token}` },
    });
    console.log(
      JSON.stringify(
        {
          cold_start_ms: { min: Math.min(...starts).toFixed(0), median: starts.sort((a, b) => a - b)[2]!.toFixed(0) },
          version_rps: { average: r.requests.average, p50_ms: r.latency.p50, p99_ms: r.latency.p99, non2xx: r.non2xx },
        },
        null,
        2,
      ),
    );
  } finally {
    await s.stop();
  }
}
void main();
