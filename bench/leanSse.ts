// A lean SSE reader for the chat benchmark: node:http, one 'data' callback per socket read, string slicing.
// fetch() + WHATWG streams + a regex per event cost the benchmark process several times more CPU per token, and on
// 2 cores that CPU is taken from the server and the fake it measures. Same interface as test/server/chat-helpers'
// readSse (events collected with their arrival time; waitFor resolves on a match without polling).
import http from 'node:http';
import type { TestServer } from '../test/helpers/server';
import type { SseEvent } from '../test/server/chat-helpers';

export function leanSse(
  srv: TestServer,
  p: string,
): Promise<{
  events: SseEvent[];
  waitFor: (pred: (e: SseEvent) => boolean, timeoutMs?: number) => Promise<SseEvent>;
  close: () => void;
}> {
  const { hostname, port } = new URL(srv.url);
  const events: SseEvent[] = [];
  const waiters = new Set<(e: SseEvent) => void>();
  return new Promise((resolve, reject) => {
    const req = http.get({ hostname, port, path: p, headers: { authorization: `Bearer ${srv.token}`, accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`SSE ${p}: ${res.statusCode}`));
      res.setEncoding('utf8');
      let buf = '';
      res.on('data', (chunk: string) => {
        const at = performance.now(); // every event of this read arrived now
        buf += chunk;
        let start = 0;
        let end: number;
        while ((end = buf.indexOf('\n\n', start)) >= 0) {
          // The server frames `event: <name>\ndata: <json>` (comments start with ':').
          if (buf.startsWith('event: ', start)) {
            const nl = buf.indexOf('\n', start);
            if (nl < end && buf.startsWith('data: ', nl + 1)) {
              const e = { event: buf.slice(start + 7, nl), data: JSON.parse(buf.slice(nl + 7, end)), at };
              events.push(e);
              for (const w of waiters) w(e);
            }
          }
          start = end + 2;
        }
        buf = buf.slice(start);
      });
      res.on('error', () => undefined);
      resolve({
        events,
        waitFor: (pred, timeoutMs = 15000) =>
          new Promise<SseEvent>((ok, fail) => {
            const hit = events.find(pred);
            if (hit) return ok(hit);
            const timer = setTimeout(() => (waiters.delete(check), fail(new Error('timed out waiting for an SSE event'))), timeoutMs);
            function check(e: SseEvent) {
              if (!pred(e)) return;
              clearTimeout(timer);
              waiters.delete(check);
              ok(e);
            }
            waiters.add(check);
          }),
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
  });
}
