// The Ollama fake in a process of its own, for the chat benchmark's per-token latency: the fake's writes are then
// timed by a process that does nothing else, so a pause in the benchmark process (its client, its GC) can no
// longer sit between a token's write time and its write. Messages: 'reset' clears the recorded writes, 'writes'
// answers them (epoch milliseconds, high resolution), 'close' stops it.
// Usage (from bench/chat.ts): fork('bench/fake-ollama-process.ts', [tokens, delayMs, lockstep], { execArgv: ['--import', 'tsx'] }).
import { startFakeOllama } from '../test/fakes/ollama';

const tokens = Number(process.argv[2] ?? 2000);
const delayMs = Number(process.argv[3] ?? 1);
/** How many "slow" requests get the tokens in lockstep (2: one read directly, one through the server). */
const lockstep = Number(process.argv[4] ?? 1);
const writes: number[] = [];

void (async () => {
  const fake = await startFakeOllama(['slow:latest'], { slowTokens: tokens, slowDelayMs: delayMs, tokenWrites: writes, lockstep });
  process.send!({ url: fake.url });
  process.on('message', (m) => {
    if (m === 'reset') writes.length = 0;
    else if (m === 'writes') process.send!({ writes: writes.map((w) => performance.timeOrigin + w) });
    else if (m === 'close') void fake.close().then(() => process.exit(0));
  });
})();
