// The memory bench's load generator in a child process of its own (searchLoad.ts), with a small heap, so neither
// its work nor the garbage collection of the bench process's heap (the seeded corpus, the queries, the results)
// runs inside the measured window beside the server on a 2-core machine — what session 10 found the personas and
// compaction benches' tails were made of (requestDriver.ts).
// Protocol (IPC): { ready: true } once loaded, then one LoadAsk → LoadResult & { cpuMs } (this process's CPU over
// the run).
import { runLoad, type LoadAsk } from './searchLoad';

process.once('message', async (m: LoadAsk) => {
  const cpu0 = process.cpuUsage();
  try {
    const r = await runLoad(m);
    const cpu = process.cpuUsage(cpu0);
    process.send!({ ...r, cpuMs: (cpu.user + cpu.system) / 1000 });
  } catch (err) {
    process.send!({ failed: (err as Error).message });
  }
  process.disconnect();
});
process.send!({ ready: true });
