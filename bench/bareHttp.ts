// The transport floor of a route: a bare node:http server (its own process, as the studio's server is) that
// answers GET /bytes/<n> with a ready JSON body of exactly n bytes. Timed by the same request driver as the
// route, it is what any answer of that size costs over loopback HTTP with no work behind it: what no route can
// go under. Prints `port <n>` once listening.
import http from 'node:http';

const bodies = new Map<number, Buffer>();
/** A JSON string of n bytes in all (n >= 2), made once per size. */
const bodyOf = (n: number) => {
  let b = bodies.get(n);
  if (!b) bodies.set(n, (b = Buffer.from(JSON.stringify('x'.repeat(Math.max(0, n - 2))))));
  return b;
};

const server = http.createServer((req, res) => {
  const m = /^\/bytes\/(\d+)$/.exec(req.url ?? '');
  if (!m) return void res.writeHead(404).end();
  const body = bodyOf(Number(m[1]));
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length }).end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(`port ${(server.address() as { port: number }).port}`));
process.on('disconnect', () => server.close(() => process.exit(0)));
