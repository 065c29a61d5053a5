// Bench-only: what the server itself adds to each streamed token, timed inside the server. Enabled only when the
// server starts with AGENTORA_BENCH_CHAT_TRACE=1 (bench/chat.ts sets it); otherwise `streamTrace` is null and
// every call site is a single null check.
// Per token: from the moment the official ollama client hands the parsed chunk to our provider (`stamp`) to the
// moment the token's SSE bytes have been handed to the kernel (`written`). Why there: a client reading Ollama
// directly pays for the same socket read and NDJSON parse, so what the server ADDS starts where the client's
// stream yields; and the time before the server process runs at all (the OS scheduling it, on 2 busy cores) is
// not server work. Each token gets two figures: wall time, and the process's CPU time over the same span
// (getrusage: user + system, all threads). The path between the two points has no I/O wait (synchronous code,
// microtasks, the next tick and a non-blocking socket write), so on a free core both are equal; when they differ,
// the difference is time the process was runnable but not running (preempted by the OS). The CPU figure may
// over-count (V8's GC helper threads add theirs), never under-count, what the server did for the token.
// Samples are read by the bench through GET /api/debug/chat-trace (mounted only with the flag).
export const TRACE_ENV = 'AGENTORA_BENCH_CHAT_TRACE';

/** Messages whose samples are kept (the newest); older ones are forgotten so the trace stays bounded. */
const KEEP_MESSAGES = 8;

class StreamTrace {
  private readonly arrived = new WeakMap<object, [wall: number, cpu: number]>();
  /** Per message and token (by seq, from 1): when it arrived (wall, CPU) and how long until its SSE bytes were written. */
  private readonly messages = new Map<number, { in: [number, number][]; added: number[]; addedCpu: number[] }>();

  private static now(): [number, number] {
    const c = process.cpuUsage();
    return [performance.now(), (c.user + c.system) / 1000];
  }

  /** The provider got `chunk` from the client's stream now. */
  stamp(chunk: object): void {
    this.arrived.set(chunk, StreamTrace.now());
  }

  /** `chunk` became token `seq` of `messageId`. */
  token(messageId: number, seq: number, chunk: object): void {
    let m = this.messages.get(messageId);
    if (!m) {
      this.messages.set(messageId, (m = { in: [], added: [], addedCpu: [] }));
      if (this.messages.size > KEEP_MESSAGES) this.messages.delete(this.messages.keys().next().value!);
    }
    m.in[seq - 1] = this.arrived.get(chunk) ?? StreamTrace.now();
  }

  /** The SSE bytes of these tokens ([messageId, seq] pairs) are written (the first write of each counts). */
  written(tokens: number[]): void {
    const [wall, cpu] = StreamTrace.now();
    for (let i = 0; i < tokens.length; i += 2) {
      const m = this.messages.get(tokens[i]!);
      const seq = tokens[i + 1]!;
      const start = m?.in[seq - 1];
      if (!m || !start || m.added[seq - 1] !== undefined) continue;
      m.added[seq - 1] = wall - start[0];
      m.addedCpu[seq - 1] = cpu - start[1];
    }
  }

  /** The samples of one message (ms per token, in seq order; null where a token was never written). */
  take(messageId: number): { wall: (number | null)[]; cpu: (number | null)[] } {
    const m = this.messages.get(messageId);
    if (!m) return { wall: [], cpu: [] };
    return {
      wall: Array.from({ length: m.in.length }, (_, k) => m.added[k] ?? null),
      cpu: Array.from({ length: m.in.length }, (_, k) => m.addedCpu[k] ?? null),
    };
  }
}

export const streamTrace: StreamTrace | null = process.env[TRACE_ENV] === '1' ? new StreamTrace() : null;
