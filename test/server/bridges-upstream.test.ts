// The shared upstream HTTP client: read timeout covers a body that stalls half-way, mid-answer disconnects,
// size cap, no redirects, 5xx retried with bounded backoff, 4xx never retried, Bearer only when a key is set,
// and a request queued behind a full socket pool is not taken for a dead host.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { backoff, Upstream } from '../../server/src/bridges/missions/upstream';
import { UpstreamError } from '../../server/src/bridges/missions/types';

const hits = new Map<string, number>();
const seenAuth: (string | undefined)[] = [];
const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
  '/stall': (_q, s) => {
    s.writeHead(200, { 'content-type': 'application/json' });
    s.write('{"partial":');
  },
  '/cut': (_q, s) => {
    s.writeHead(200, { 'content-type': 'application/json' });
    s.write('{"partial":');
    setTimeout(() => s.destroy(), 20);
  },
  '/big': (_q, s) => {
    s.writeHead(200);
    s.end('x'.repeat(4096));
  },
  '/redirect': (_q, s) => {
    s.writeHead(302, { location: 'http://example.com/' }).end();
  },
  '/flaky': (_q, s) => {
    s.writeHead((hits.get('/flaky') ?? 0) < 3 ? 503 : 200, { 'content-type': 'application/json' }).end('{"ok":true}');
  },
  '/down500': (_q, s) => {
    s.writeHead(500).end('{"detail":"boom"}');
  },
  '/bad422': (_q, s) => {
    s.writeHead(422).end('{"detail":[{"msg":"Field required"}]}');
  },
  '/slow': (_q, s) => {
    setTimeout(() => s.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'), 250);
  },
  '/ok': (q, s) => {
    seenAuth.push(q.headers.authorization);
    s.writeHead(200).end('{"ok":true}');
  },
};
const server = createServer((req, res) => {
  const p = req.url ?? '/';
  routes[p] ? routes[p]!(req, res) : res.writeHead(404).end();
  hits.set(p, (hits.get(p) ?? 0) + 1);
});
let base = '';
before(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(
  () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
);

const up = (o: Partial<ConstructorParameters<typeof Upstream>[0]> = {}) =>
  new Upstream({
    system: 'agentception',
    baseUrl: base,
    connectTimeoutMs: 500,
    readTimeoutMs: 300,
    retries: 2,
    retryBaseMs: 5,
    refusedHint: 'start it',
    unauthorizedHint: 'set the key',
    ...o,
  });

async function err(p: Promise<unknown>): Promise<UpstreamError> {
  const e = await p.then(
    () => null,
    (x) => x,
  );
  assert.ok(e instanceof UpstreamError, `expected UpstreamError, got ${String(e)}`);
  return e;
}

test('a body that stalls half-way is a read timeout (not a hang)', async () => {
  const t0 = Date.now();
  const e = await err(up({ retries: 0 }).send('GET', '/stall'));
  assert.equal(e.kind, 'timeout');
  assert.match(e.message, /read timeout/);
  assert.ok(Date.now() - t0 < 1000);
});

test('a connection cut mid-answer is failed, and retried when idempotent', async () => {
  const before = hits.get('/cut') ?? 0;
  const e = await err(up().send('GET', '/cut', { retry: true }));
  assert.equal(e.kind, 'failed');
  assert.equal((hits.get('/cut') ?? 0) - before, 3);
});

test('answers over the size cap are bad_reply', async () => {
  assert.equal((await err(up({ maxBytes: 1024 }).send('GET', '/big'))).kind, 'bad_reply');
});

test('redirects are not followed', async () => {
  const e = await err(up().json('GET', '/redirect', { retry: true }));
  assert.equal(e.kind, 'failed');
  assert.equal(e.status, 302);
  assert.match(e.message, /redirects are not followed/);
});

test('5xx is retried with backoff up to the bound, then answered', async () => {
  hits.set('/flaky', 0);
  const r = await up({ retries: 5 }).send('GET', '/flaky', { retry: true });
  assert.equal(r.status, 200);
  assert.equal(r.attempts, 4);
  hits.set('/down500', 0);
  const e = await err(up({ retries: 2 }).json('GET', '/down500', { retry: true }));
  assert.equal(e.kind, 'failed');
  assert.equal(e.status, 500);
  assert.match(e.message, /boom/);
  assert.equal(hits.get('/down500'), 3, 'bounded: 1 + 2 retries');
  hits.set('/down500', 0);
  await err(up({ retries: 2 }).json('POST', '/down500'));
  assert.equal(hits.get('/down500'), 1, 'not retried unless marked idempotent');
});

test('4xx is never retried; 422 names the fields', async () => {
  hits.set('/bad422', 0);
  const e = await err(up().json('POST', '/bad422', { retry: true }));
  assert.equal(e.kind, 'failed');
  assert.equal(e.status, 422);
  assert.match(e.message, /Field required/);
  assert.equal(hits.get('/bad422'), 1);
});

test('Bearer header only when a key is set', async () => {
  await up({ apiKey: 'abc' }).json('GET', '/ok');
  await up({ apiKey: '' }).json('GET', '/ok');
  assert.deepEqual(seenAuth.slice(-2), ['Bearer abc', undefined]);
});

test('non-http URLs are refused up front', () => {
  assert.throws(() => up({ baseUrl: 'file:///etc/passwd' }), UpstreamError);
});

test('more reads than pooled sockets: the queued ones wait for a socket, never a false connect timeout', async () => {
  // 40 > 32 sockets, each answer 250 ms > the 100 ms connect timeout: the 8 queued requests wait ~250 ms for a
  // socket. That is not a dead host (it used to fail as "could not connect", with the "start it" hint).
  const u = up({ connectTimeoutMs: 100, readTimeoutMs: 2000, retries: 0 });
  try {
    const rs = await Promise.allSettled(Array.from({ length: 40 }, () => u.json('GET', '/slow', { retry: true })));
    const failed = rs.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.message);
    assert.deepEqual(failed, []);
  } finally {
    u.close();
  }
});

test('backoff doubles with up to 50% jitter', () => {
  for (let i = 0; i < 50; i++) {
    const d1 = backoff(100, 1);
    const d3 = backoff(100, 3);
    assert.ok(d1 >= 100 && d1 <= 150, String(d1));
    assert.ok(d3 >= 400 && d3 <= 600, String(d3));
  }
});
