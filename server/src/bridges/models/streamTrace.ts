// Bench-only: what the server itself adds to each streamed token, timed inside the server. Enabled only when the
// server starts with AGENTORA_BENCH_CHAT_TRACE=1 (bench/chat.ts sets it); otherwise `streamTrace` is null and
// every call site is a single null check.
// Per token: from the moment the official ollama client hands the parsed chunk to our provider (`stamp`) to the
// moment the token's SSE bytes have been handed to the kernel (`written`). Why there: a client reading Ollama
// directly pays for the same socket read and NDJSON parse, so what the server ADDS starts where the client's
// stream yields; and the time before the server process runs at all (the OS scheduling it, on 2 busy cores) is
// not server work. Measured samples are read by the bench through GET /api/debug/chat-trace (mounted only with
// the flag).
export const TRACE_ENV = 'AGENTORA_BENCH_CHAT_TRACE';

/** Messages whose samples are kept (the newest); older ones are forgotten so the trace stays bounded. */
const KEEP_MESSAGES = 8;

class StreamTrace {
  private readonly arrived = new WeakMap<object, number>();
  /** Per message: when each token (by seq, from 1) arrived, and the time it took until its SSE bytes were written. */
  private readonly messages = new Map<number, { in: number[]; added: number[] }>();

  /** The provider got `chunk` from the client's stream now. */
  stamp(chunk: object): void {
    this.arrived.set(chunk, performance.now());
  }

  /** `chunk` became token `seq` of `messageId`. */
  token(messageId: number, seq: number, chunk: object): void {
    let m = this.messages.get(messageId);
    if (!m) {
      this.messages.set(messageId, (m = { in: [], added: [] }));
      if (this.messages.size > KEEP_MESSAGES) this.messages.delete(this.messages.keys().next().value!);
    }
    m.in[seq - 1] = this.arrived.get(chunk) ?? performance.now();
  }

  /** The SSE bytes of these tokens ([messageId, seq] pairs) are written (the first write of each counts). */
  written(tokens: number[]): void {
    const now = performance.now();
    for (let i = 0; i < tokens.length; i += 2) {
      const m = this.messages.get(tokens[i]!);
      const seq = tokens[i + 1]!;
      if (m && m.added[seq - 1] === undefined && m.in[seq - 1] !== undefined) m.added[seq - 1] = now - m.in[seq - 1]!;
    }
  }

  /** The samples of one message (ms per token, in seq order; null where a token was never written). */
  take(messageId: number): (number | null)[] {
    const m = this.messages.get(messageId);
    if (!m) return [];
    return Array.from({ length: m.in.length }, (_, k) => m.added[k] ?? null);
  }
}

export const streamTrace: StreamTrace | null = process.env[TRACE_ENV] === '1' ? new StreamTrace() : null;
