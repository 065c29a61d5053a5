// Helpers for the chat server tests: polling with a deadline (never a sleep) and an SSE reader over fetch.
import type { TestServer } from '../helpers/server';

export async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 15000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface SseEvent {
  event: string;
  data: any;
  /** performance.now() when the event was parsed (the benchmark measures per-token latency with it). */
  at: number;
}

/** Open an SSE stream and collect its events; `waitFor` polls the collected events. */
export async function readSse(srv: TestServer, path: string) {
  const ac = new AbortController();
  const res = await srv.fetch(path, { signal: ac.signal, headers: { accept: 'text/event-stream' } });
  if (res.status !== 200) throw new Error(`SSE ${path}: ${res.status}`);
  const events: SseEvent[] = [];
  const waiters = new Set<() => void>();
  void (async () => {
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (ev && data) {
            events.push({ event: ev, data: JSON.parse(data), at: performance.now() });
            for (const w of waiters) w();
          }
        }
      }
    } catch {
      // closed
    }
  })();
  return {
    events,
    /** Resolves as soon as a matching event arrives (no polling delay: the benchmark times with it). */
    waitFor: (pred: (e: SseEvent) => boolean, timeoutMs = 15000) =>
      new Promise<SseEvent>((resolve, reject) => {
        const hit = events.find(pred);
        if (hit) return resolve(hit);
        const timer = setTimeout(() => (waiters.delete(check), reject(new Error('timed out waiting for an SSE event'))), timeoutMs);
        function check() {
          const e = events[events.length - 1];
          if (e && pred(e)) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve(e);
          }
        }
        waiters.add(check);
      }),
    close: () => ac.abort(),
  };
}

/** JSON-RPC over HTTP: the plain service result (REST wire shapes of other areas may differ). */
export async function rpc(srv: TestServer, method: string, params: unknown): Promise<any> {
  const r = await srv.fetch('/rpc', { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  const body = (await r.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}
