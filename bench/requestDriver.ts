// A child process that times requests for a bench: a small heap of its own, so its garbage collector does not
// run beside the server on a 2-core machine. Measured in session 10 (perf sched_switch, clock-aligned): in the
// personas bench's cached samples over 5 ms, the bench process's own V8 helper threads (concurrent marking and
// parallel scavenges of a heap that holds the floors' SQL results) held both cores while the request waited.
// Protocol (IPC): { route, rounds, warmup, serverPid } → { times, loopCpu, waits, bytes } (schedstat: the server's
// event loop CPU per request, and how long it and this process's main thread waited for a core).
// Or a loop until told to stop — { loop: { method, route, body?, gapMs } } … { stop: true } → { times, at, errors }
// (at: each request's start in ms since the epoch; `{n}` in the body becomes the request's number). After the
// loop's answer the driver takes further asks; { stop: true } with no loop running ends it.
import { leanClient } from './leanHttp';
import { schedStat as sched } from './procCpu';

const [url, token] = [process.env.DRIVER_URL!, process.env.DRIVER_TOKEN!];
const client = leanClient(url, token, 1);

type Ask = { route: string; rounds: number; warmup: number; serverPid: number };
type Loop = { loop: { method: string; route: string; body?: string; gapMs: number } };
let looping = false;
/** Requests back to back (gapMs after each) until { stop }; failures are counted, not thrown. */
async function loop({ method, route, body, gapMs }: Loop['loop']) {
  const times: number[] = [];
  const at: number[] = [];
  const errors: string[] = [];
  looping = true;
  for (let n = 1; looping; n++) {
    const start = performance.timeOrigin + performance.now();
    const t = performance.now();
    try {
      const r = await client.raw(method, route, body?.replace('{n}', String(n)));
      const dt = performance.now() - t;
      if (r.status >= 400) errors.push(`${r.status} after ${dt.toFixed(1)} ms: ${r.body.toString('utf8').slice(0, 200)}`);
      else {
        times.push(dt);
        at.push(start);
      }
    } catch (err) {
      errors.push((err as Error).message);
    }
    if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
  }
  process.send!({ times, at, errors });
}
process.on('message', async (m: Ask | Loop | { stop: true }) => {
  if ('stop' in m) {
    if (looping) {
      looping = false; // the loop answers once its request in flight is in
      return;
    }
    client.close();
    process.disconnect();
    return;
  }
  if ('loop' in m) return void loop(m.loop);
  const times: number[] = [];
  const loopCpu: number[] = [];
  const waits: number[] = [];
  let bytes = 0;
  try {
    for (let i = 0; i < m.rounds + m.warmup; i++) {
      const s0 = sched(m.serverPid);
      const c0 = sched(process.pid);
      const t = performance.now();
      const r = await client.raw('GET', m.route);
      const dt = performance.now() - t;
      const s1 = sched(m.serverPid);
      const c1 = sched(process.pid);
      if (r.status !== 200) throw new Error(`${m.route}: HTTP ${r.status}`);
      bytes = r.body.length;
      if (i < m.warmup) continue;
      times.push(dt);
      if (s0 && s1 && c0 && c1) {
        loopCpu.push(s1[0] - s0[0]);
        waits.push(s1[1] - s0[1] + (c1[1] - c0[1]));
      }
    }
    process.send!({ times, loopCpu, waits, bytes });
  } catch (err) {
    process.send!({ error: (err as Error).message });
  }
});
