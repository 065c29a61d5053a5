// Reads a server-sent event stream as a client does (fetch + a frame parser): each event with its id, name and
// JSON data, in arrival order. `until` polls the collected events with a deadline; always close().
import type { TestServer } from './server';

export interface SseEvent {
  id: number | null;
  event: string;
  data: any;
}

export interface SseReader {
  status: number;
  events: SseEvent[];
  until(what: string, pred: (evs: SseEvent[]) => boolean, ms?: number): Promise<void>;
  close(): Promise<void>;
}

export async function openSse(srv: TestServer, p: string, headers: Record<string, string> = {}): Promise<SseReader> {
  const ac = new AbortController();
  const res = await srv.fetch(p, { signal: ac.signal, headers });
  const events: SseEvent[] = [];
  const reading = (async () => {
    if (!res.ok || !res.body) return;
    const dec = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += dec.decode(chunk, { stream: true });
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const frame = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const event = /^event: (.*)$/m.exec(frame)?.[1];
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          const id = /^id: (.*)$/m.exec(frame)?.[1];
          if (event && data) events.push({ id: id ? Number(id) : null, event, data: JSON.parse(data) });
        }
      }
    } catch {
      // aborted by close()
    }
  })();
  return {
    status: res.status,
    events,
    async until(what, pred, ms = 15000) {
      const end = Date.now() + ms;
      while (!pred(events)) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}; got ${events.map((e) => e.data?.kind ?? e.event).join(', ')}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async close() {
      ac.abort();
      await reading;
    },
  };
}
