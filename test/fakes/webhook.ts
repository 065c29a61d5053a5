// A webhook receiver (alert sink) on a real port: records every POST (headers + raw body), and can be told to
// answer the next N requests with an error status or a redirect to another host, as real receivers do.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  raw: string;
  body: any;
}

export interface WebhookSink {
  url: string;
  received: Received[];
  /** Answer the next `n` requests with this status (and a Location to another host for 3xx). */
  failNext(n: number, status: number): void;
  close(): Promise<void>;
}

export async function startWebhookSink(): Promise<WebhookSink> {
  const received: Received[] = [];
  let failures: { n: number; status: number } = { n: 0, status: 500 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      if (failures.n > 0) {
        failures.n--;
        if (failures.status >= 300 && failures.status < 400) res.writeHead(failures.status, { location: 'http://elsewhere.invalid/hook' }).end();
        else res.writeHead(failures.status, { 'content-type': 'application/json' }).end('{"detail":"receiver down"}');
        return;
      }
      let body: unknown = null;
      try {
        body = JSON.parse(raw);
      } catch {
        /* recorded as raw */
      }
      received.push({ path: req.url ?? '', headers: req.headers, raw, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hooks/agentora`,
    received,
    failNext(n, status) {
      failures = { n, status };
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
