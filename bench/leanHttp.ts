// A lean HTTP client for load generation: node:http over a keep-alive agent. fetch() in Node 20 costs the
// benchmark process 2–3 ms of CPU a request (WHATWG streams), which on a 2-core machine is taken from the server
// it measures; a load generator should cost far less than what it measures (as autocannon does).
import http from 'node:http';

export function leanClient(baseUrl: string, token: string, sockets = 16) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  const { hostname, port } = new URL(baseUrl);
  /** One request: its status and raw body once the last byte is in. */
  const raw = (method: string, p: string, body?: string) =>
    new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
      const data = body === undefined ? undefined : Buffer.from(body);
      const req = http.request(
        {
          agent,
          hostname,
          port,
          method,
          path: p,
          headers: { authorization: `Bearer ${token}`, ...(data ? { 'content-type': 'application/json', 'content-length': data.length } : {}) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(data);
    });
  const json = async (method: string, p: string, body?: unknown) =>
    JSON.parse((await raw(method, p, body === undefined ? undefined : JSON.stringify(body))).body.toString('utf8')) as any;
  return {
    raw,
    post: (p: string, body: unknown) => json('POST', p, body),
    get: (p: string) => json('GET', p),
    close: () => agent.destroy(),
  };
}
