// Chat benchmark (issue 11's budgets; figures printed, not a timed test):
//   • mock time to first token over HTTP (POST send → first didToken on SSE) and over LSP (request → notification);
//   • the fake Ollama streaming N tokens at full speed: every token arrives, in order; the server's added time
//     per token (client arrival − fake write, p99);
//   • 20 concurrent streaming chats while another client lists sessions: the slowest of those requests;
//   • session list at S sessions / M messages (seeded straight into SQLite): GET /api/chat/sessions p99, and search.
//   • per-token latency: the fake paces 2,000 tokens 1 ms apart and writes each to two requests at once, one read
//     straight by this process, one by the server; per token, its SSE arrival through the server minus its direct
//     arrival is what the server adds, end to end (paired, so machine stalls common to both reads cancel out); the
//     server's CPU per token beside it.
//     THE BUDGET CHECK ("the server adds < 1 ms p99 per token") is the in-server time per token: from the moment the
//     official ollama client's stream hands the server a token to the moment its SSE bytes are handed to the kernel,
//     timed inside the server (AGENTORA_BENCH_CHAT_TRACE=1, read back through GET /api/debug/chat-trace, which only
//     exists with that flag). Why that span: the direct read pays the same socket read and NDJSON parse in the same
//     client library, so the server's own addition starts where the client's stream yields. The span has no I/O
//     wait (synchronous code, microtasks, the next tick, a non-blocking write), so its wall time is the server
//     thread's work plus time the OS kept the runnable server off a core — what the paired number is dominated by:
//     three busy processes (fake, server, this client) on 2 cores, each write waking another; the direct read alone
//     has a p99 of several ms, moving with the machine's load. The server also reads its process CPU clock
//     (getrusage, all threads) over the span, which excludes time off a core but adds V8's GC helper threads; per
//     token the smaller of the two is checked (each bounds the server thread's own time from above, so the minimum
//     does). Printed beside it: the span's wall and CPU p99, the paired end-to-end number (marked indicative), and
//     the server's CPU per token (the load-independent cost, including the client library's parse; with the trace
//     on it includes the trace's two getrusage calls per token).
// Usage: npm run build && node --import tsx bench/chat.ts [sessions] [messagesPerSession] [part …]
//   (default 10000 × 100, every part; parts: ttftHttp ttftLsp fullSpeed perToken concurrent bigList)
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../server/src/store/db';
import { OllamaProvider } from '../server/src/bridges/models/ollama';
import { startFakeOllama } from '../test/fakes/ollama';
import { startLspServer } from '../test/helpers/lsp';
import { startServer, type TestServer } from '../test/helpers/server';
import { readSse } from '../test/server/chat-helpers';
import { leanSse } from './leanSse';
import { TRACE_ENV } from '../server/src/bridges/models/streamTrace';

const args = process.argv.slice(2);
const numbers = args.filter((a) => /^\d+$/.test(a)).map(Number);
const SESSIONS = numbers[0] ?? 10_000;
const PER = numbers[1] ?? 100;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const fmt = (x: number) => `${x.toFixed(2)} ms`;
const post = (s: TestServer, p: string, body: unknown) =>
  s.fetch(p, { method: 'POST', body: JSON.stringify(body) }).then((r) => r.json() as Promise<any>);

/** A server whose chat model is the fake's "slow" model (memory embeddings off: only the chat path is timed). */
const serverOn = (ollamaUrl: string, env: Record<string, string> = {}) =>
  startServer({
    AGENTORA_USE_MOCK_OLLAMA: 'false',
    AGENTORA_OLLAMA_URL: ollamaUrl,
    AGENTORA_OLLAMA_CHAT_MODEL: 'slow',
    AGENTORA_MEMORY_EMBEDDINGS_ENABLED: 'false',
    ...env,
  });
/** The machine's load beside every figure (a shared 2-core machine: the numbers are only indicative). */
const load = () =>
  `[load average: ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(', ')}]`;

async function ttftHttp(): Promise<void> {
  const s = await startServer({ AGENTORA_USE_MOCK_OLLAMA: 'true' });
  try {
    const { session } = await post(s, '/api/chat/sessions', { title: 'bench', memory_mode: 'off' });
    const sse = await readSse(s, `/api/chat/sessions/${session.session_id}/stream`);
    const times: number[] = [];
    for (let i = 0; i < 100; i++) {
      const t0 = performance.now();
      const r = await post(s, `/api/chat/sessions/${session.session_id}/messages`, { content: `question ${i} about latency` });
      await sse.waitFor((e) => e.event === 'agentora/chat/didToken' && e.data.message_id === r.assistant_message_id);
      times.push(performance.now() - t0);
      await sse.waitFor(
        (e) => e.event === 'agentora/chat/didMessage' && e.data.message_id === r.assistant_message_id && e.data.status !== 'streaming',
      );
    }
    sse.close();
    console.log(`mock time to first token over HTTP: p50 ${fmt(pct(times, 50))}, p99 ${fmt(pct(times, 99))} (budget < 50 ms p99) ${load()}`);
  } finally {
    await s.stop();
  }
}

async function ttftLsp(): Promise<void> {
  const waiting = new Map<number, () => void>();
  const firstSeen = new Set<number>();
  const finishedIds = new Set<number>();
  const lsp = await startLspServer({ 'server.httpEnabled': false, 'models.useMock': true }, (c) => {
    c.onNotification('agentora/chat/didMessage', (p: { message_id: number; status: string }) => {
      if (p.status === 'streaming') return;
      finishedIds.add(p.message_id);
      waiting.get(-p.message_id)?.();
    });
    c.onNotification('agentora/chat/didToken', (p: { message_id: number }) => {
      if (firstSeen.has(p.message_id)) return;
      firstSeen.add(p.message_id);
      waiting.get(p.message_id)?.();
    });
  });
  try {
    const { session } = (await lsp.conn.sendRequest('agentora/chat/createSession', { title: 'bench', memory_mode: 'off' })) as {
      session: { session_id: number };
    };
    const times: number[] = [];
    for (let i = 0; i < 100; i++) {
      const t0 = performance.now();
      const r = (await lsp.conn.sendRequest('agentora/chat/send', { session_id: session.session_id, content: `question ${i}` })) as {
        assistant_message_id: number;
      };
      const id = r.assistant_message_id;
      if (!firstSeen.has(id)) await new Promise<void>((res) => waiting.set(id, res));
      times.push(performance.now() - t0);
      if (!finishedIds.has(id)) await new Promise<void>((res) => waiting.set(-id, res));
    }
    console.log(`mock time to first token over LSP: p50 ${fmt(pct(times, 50))}, p99 ${fmt(pct(times, 99))} (budget < 50 ms p99) ${load()}`);
  } finally {
    await lsp.stop();
  }
}

async function fullSpeed(): Promise<void> {
  const N = 2000;
  const fake = await startFakeOllama(['slow:latest', 'bench:latest'], { slowTokens: N, slowDelayMs: 0 });
  const s = await serverOn(fake.url);
  try {
    // Baseline: the same stream read straight through the official client, in this process.
    const direct = new OllamaProvider({ host: fake.url, chatModel: 'slow', embedModel: 'x', timeoutMs: 60000 });
    const d0 = performance.now();
    for await (const c of direct.chat({ messages: [{ role: 'user', content: 'go' }] })) void c;
    const directMs = performance.now() - d0;
    const { session } = await post(s, '/api/chat/sessions', { title: 'fast', memory_mode: 'off' });
    const sse = await readSse(s, `/api/chat/sessions/${session.session_id}/stream`);
    const t0 = performance.now();
    const cpu0 = cpuMs(s.proc.pid!);
    const r = await post(s, `/api/chat/sessions/${session.session_id}/messages`, { content: 'go' });
    await sse.waitFor(
      (e) => e.event === 'agentora/chat/didMessage' && e.data.message_id === r.assistant_message_id && e.data.status === 'complete',
      60000,
    );
    const total = performance.now() - t0;
    const cpu1 = cpuMs(s.proc.pid!);
    const toks = sse.events.filter((e) => e.event === 'agentora/chat/didToken' && e.data.message_id === r.assistant_message_id);
    const inOrder = toks.every((t, i) => t.data.seq === i + 1 && t.data.delta === `tok${i} `);
    sse.close();
    console.log(
      `fake at full speed: ${toks.length}/${N} tokens, in order: ${inOrder}; through the server + SSE ${fmt(total)}, the client alone ${fmt(directMs)}: the server adds ${((total - directMs) / N).toFixed(3)} ms per token on average (budget < 1 ms p99); server CPU ${cpu0 === null || cpu1 === null ? 'n/a' : `${(((cpu1 - cpu0) / N) * 1000).toFixed(0)} µs`} per token ${load()}`,
    );
  } finally {
    await s.stop();
    await fake.close();
  }
}

/** CPU time (user + system) the process has used, in ms, from /proc (Linux; null elsewhere). */
function cpuMs(pid: number, which: 'all' | 'user' | 'system' = 'all'): number | null {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    const [user, system] = [Number(f[11]) * 10, Number(f[12]) * 10]; // utime, stime: clock ticks of 10 ms
    return which === 'user' ? user : which === 'system' ? system : user + system;
  } catch {
    return null;
  }
}

async function perToken(): Promise<void> {
  const N = 2000;
  // The fake runs in its own process (bench/fake-ollama-process.ts) and writes each paced token to TWO requests in
  // the same tick: one read straight here through the official client, one the server's. Per token, its arrival
  // through the server (SSE) minus its arrival straight from the fake is what the server adds — paired token by
  // token, so a stall of this machine or of this process (its GC, the fake's timers) delays both and cancels out,
  // instead of comparing the tails of two separate runs. The server's CPU time per token is printed beside it.
  const child = fork(path.join(__dirname, 'fake-ollama-process.ts'), [String(N), '1', '2'], { execArgv: ['--import', 'tsx'] });
  const message = <T>() => new Promise<T>((r) => child.once('message', (m) => r(m as T)));
  const { url } = await message<{ url: string }>();
  const writesNow = async () => {
    child.send('writes');
    return (await message<{ writes: number[] }>()).writes;
  };
  const s = await serverOn(url, { [TRACE_ENV]: '1' });
  try {
    const direct = new OllamaProvider({ host: url, chatModel: 'slow', embedModel: 'x', timeoutMs: 60000 });
    let inServer: { added_ms: (number | null)[]; added_cpu_ms: (number | null)[] } = { added_ms: [], added_cpu_ms: [] };
    // Two streams: the first warms the server (and this process) up; the second is measured.
    let added: number[] = [];
    let lat: number[] = [];
    let directLat: number[] = [];
    let inOrder = false;
    let got = 0;
    let cpuPerToken: number | null = null;
    let sysPerToken: number | null = null;
    for (let round = 0; round < 2; round++) {
      child.send('reset');
      const { session } = await post(s, '/api/chat/sessions', { title: `paced ${round}`, memory_mode: 'off' });
      const sse = await leanSse(s, `/api/chat/sessions/${session.session_id}/stream`);
      const arrivals: number[] = [];
      const reading = (async () => {
        for await (const c of direct.chat({ messages: [{ role: 'user', content: 'go' }] })) if (c.content) arrivals.push(performance.now());
      })();
      const cpu0 = cpuMs(s.proc.pid!);
      const sys0 = cpuMs(s.proc.pid!, 'system');
      const r = await post(s, `/api/chat/sessions/${session.session_id}/messages`, { content: 'go' });
      await sse.waitFor(
        (e) => e.event === 'agentora/chat/didMessage' && e.data.message_id === r.assistant_message_id && e.data.status === 'complete',
        60000,
      );
      const cpu1 = cpuMs(s.proc.pid!);
      const sys1 = cpuMs(s.proc.pid!, 'system');
      await reading;
      const toks = sse.events.filter((e) => e.event === 'agentora/chat/didToken' && e.data.message_id === r.assistant_message_id);
      const writes = await writesNow();
      added = toks.map((t, k) => t.at - arrivals[k]!);
      lat = toks.map((t, k) => performance.timeOrigin + t.at - writes[k]!);
      directLat = arrivals.map((a, k) => performance.timeOrigin + a - writes[k]!);
      inOrder = toks.length === N && toks.every((t, k) => t.data.seq === k + 1 && t.data.delta === `tok${k} `);
      got = toks.length;
      cpuPerToken = cpu0 !== null && cpu1 !== null ? (cpu1 - cpu0) / N : null;
      sysPerToken = sys0 !== null && sys1 !== null ? (sys1 - sys0) / N : null;
      inServer = (await (await s.fetch(`/api/debug/chat-trace?message_id=${r.assistant_message_id}`)).json()) as typeof inServer;
      sse.close();
    }
    const wall = inServer.added_ms.filter((x): x is number => x !== null);
    const onCpu = inServer.added_cpu_ms.filter((x): x is number => x !== null);
    // Per token, the smaller of the two: wall − (time off a core) and CPU − (GC helper threads) both bound the
    // server thread's own time on the token from above, so their minimum does too.
    const own = inServer.added_ms.flatMap((w, k) => (w === null || inServer.added_cpu_ms[k] == null ? [] : [Math.min(w, inServer.added_cpu_ms[k]!)]));
    const budgetMet = inOrder && own.length === N && pct(own, 99) < 1;
    console.log(
      `per-token latency, ${got}/${N} tokens 1 ms apart, in order: ${inOrder}: fake → client p50 ${fmt(pct(directLat, 50))}, p99 ${fmt(pct(directLat, 99))}; fake → server → SSE client p50 ${fmt(pct(lat, 50))}, p99 ${fmt(pct(lat, 99))} ${load()}`,
    );
    console.log(
      `${budgetMet ? '✔' : '✘'} the server adds per token (in-server, client stream yields → SSE bytes written, not counting time off a core, ${own.length}/${N} tokens): p50 ${fmt(pct(own, 50))}, p99 ${fmt(pct(own, 99))}, max ${fmt(Math.max(...own))} (budget < 1 ms p99, none lost or reordered); the same span on the wall clock p99 ${fmt(pct(wall, 99))}, on the process CPU clock p99 ${fmt(pct(onCpu, 99))}; server CPU ${cpuPerToken === null ? 'n/a' : `${(cpuPerToken * 1000).toFixed(0)} µs`} per token (${sysPerToken === null ? 'n/a' : `${(sysPerToken * 1000).toFixed(0)} µs`} of it in the kernel) ${load()}`,
    );
    console.log(
      `  indicative, end to end (paired with the direct read; counts OS scheduling of 3 processes on 2 cores): p50 ${fmt(pct(added, 50))}, p99 ${fmt(pct(added, 99))}, max ${fmt(Math.max(...added))} ${pct(added, 99) < 1 ? '(< 1 ms)' : '(≥ 1 ms)'}`,
    );
  } finally {
    await s.stop();
    child.send('close');
  }
}

async function concurrent(): Promise<void> {
  const fake = await startFakeOllama(['slow:latest'], { slowTokens: 150, slowDelayMs: 10 });
  const s = await serverOn(fake.url);
  try {
    const sse = await readSse(s, '/api/events');
    const ids: number[] = [];
    for (let i = 0; i < 20; i++) {
      const { session } = await post(s, '/api/chat/sessions', { title: `c${i}`, memory_mode: 'off' });
      ids.push((await post(s, `/api/chat/sessions/${session.session_id}/messages`, { content: 'stream' })).assistant_message_id);
    }
    const lat: number[] = [];
    const finished = () =>
      ids.every((id) => sse.events.some((e) => e.event === 'agentora/chat/didMessage' && e.data.message_id === id && e.data.status === 'complete'));
    while (!finished()) {
      const t0 = performance.now();
      await s.fetch('/api/chat/sessions?limit=20');
      lat.push(performance.now() - t0);
    }
    sse.close();
    console.log(
      `20 concurrent streaming chats: ${lat.length} other requests meanwhile, p99 ${fmt(pct(lat, 99))}, max ${fmt(Math.max(...lat))} (budget: none stalls > 50 ms) ${load()}`,
    );
  } finally {
    await s.stop();
    await fake.close();
  }
}

async function bigList(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'agentora-chat-bench-'));
  try {
    const t0 = performance.now();
    const db = openDatabase(path.join(dataDir, 'agentora.db'));
    const words = [
      'deploy',
      'billing',
      'cache',
      'latency',
      'kafka',
      'schema',
      'retry',
      'token',
      'vector',
      'branch',
      'review',
      'memory',
      'budget',
      'layout',
      'sqlite',
      'webview',
    ];
    const insS = db.prepare(
      `INSERT INTO chat_sessions (id, title, memory_mode, active_leaf_id, message_count, created_at, updated_at) VALUES (?, ?, 'read', ?, ?, ?, ?)`,
    );
    const insM = db.prepare(
      `INSERT INTO chat_messages (id, session_id, parent_id, role, content, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'complete', ?, ?)`,
    );
    let mid = 0;
    for (let s = 1; s <= SESSIONS; s += 500) {
      db.transaction(() => {
        for (let k = s; k < Math.min(s + 500, SESSIONS + 1); k++) {
          const at = new Date(Date.UTC(2026, 0, 1) + k * 60_000).toISOString();
          insS.run(k, `session ${k} about ${words[k % words.length]}`, mid + PER, PER, at, at);
          for (let j = 0; j < PER; j++) {
            mid++;
            insM.run(
              mid,
              k,
              j === 0 ? null : mid - 1,
              j % 2 ? 'assistant' : 'user',
              `message ${j} on ${words[(k + j) % words.length]} and ${words[(k * j) % words.length]}`,
              at,
              at,
            );
          }
        }
      })();
    }
    db.close();
    console.log(`seeded ${SESSIONS} sessions / ${mid} messages in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const s = await startServer({ AGENTORA_USE_MOCK_OLLAMA: 'true' }, 60000, { dataDir });
    try {
      const lat: number[] = [];
      for (let i = 0; i < 300; i++) {
        const t = performance.now();
        await s.fetch(`/api/chat/sessions?limit=50&offset=${(i % 10) * 50}`);
        lat.push(performance.now() - t);
      }
      const q: number[] = [];
      for (let i = 0; i < 50; i++) {
        const t = performance.now();
        await s.fetch(`/api/chat/sessions?limit=50&q=${words[i % words.length]}%20${words[(i + 3) % words.length]}`);
        q.push(performance.now() - t);
      }
      console.log(
        `session list at ${SESSIONS} sessions / ${mid} messages: p50 ${fmt(pct(lat, 50))}, p99 ${fmt(pct(lat, 99))} (budget < 25 ms p99); full-text search p50 ${fmt(pct(q, 50))}, p99 ${fmt(pct(q, 99))} ${load()}`,
      );
    } finally {
      await s.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// `node --import tsx bench/chat.ts [part …]` runs only the named parts (all by default).
const parts: Record<string, () => Promise<void>> = { ttftHttp, ttftLsp, fullSpeed, perToken, concurrent, bigList };
(async () => {
  const chosen = args.filter((a) => !/^\d+$/.test(a));
  for (const [name, run] of Object.entries(parts)) if (chosen.length === 0 || chosen.includes(name)) await run();
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
