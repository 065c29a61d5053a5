// The browser's only way out: a filtering HTTP proxy inside the server, one per browser action. Chromium is
// started with it for every host (loopback included, `<-loopback>`), so each request the browser makes —
// every redirect hop, sub-resource, form post, fetch, and WebSocket (tunnelled with CONNECT) — is a new
// request here and passes the domain check (normalised hosts, ./domains.ts) before any connection is made.
// Playwright's routes alone cannot do this: a route handler sees only the first URL of a redirect chain.
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';

export interface NetGuard {
  /** `http://127.0.0.1:<port>` */
  url: string;
  close(): Promise<void>;
}

/** `check(url)` → null to allow, else why not (recorded with `onBlocked`). */
export async function startNetGuard(check: (url: string) => string | null, onBlocked: (url: string, why: string) => void): Promise<NetGuard> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    // A proxied plain-HTTP request carries the absolute URL.
    const target = req.url ?? '';
    const why = /^https?:\/\//i.test(target) ? check(target) : 'not a proxy request';
    if (why) {
      onBlocked(target, why);
      res.writeHead(403, { 'content-type': 'text/plain' }).end(`blocked by the domain policy: ${why}`);
      return;
    }
    const u = new URL(target);
    const headers = { ...req.headers };
    delete headers['proxy-connection'];
    delete headers['proxy-authorization'];
    const up = httpRequest(
      { host: u.hostname.replace(/^\[|\]$/g, ''), port: u.port || 80, method: req.method, path: u.pathname + u.search, headers },
      (r: IncomingMessage) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`upstream error: ${err.message}`);
    });
    req.pipe(up);
  });
  // HTTPS, and WebSockets (ws:// and wss://) go through CONNECT host:port.
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const hostPort = req.url ?? '';
    const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(hostPort);
    const why = m ? check(`https://${m[1]}:${m[2]}/`) : 'bad CONNECT target';
    if (why || !m) {
      onBlocked(`connect ${hostPort}`, why ?? 'bad CONNECT target');
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const upstream = connect(Number(m[2]), m[1]!.replace(/^\[|\]$/g, ''), () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  server.on('connection', (sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
