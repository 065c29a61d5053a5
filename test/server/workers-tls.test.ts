// The network door: bound to a non-loopback address the server serves HTTPS with a self-signed certificate made
// on first use; `worker-token create` prints its fingerprint; a worker pinning it works, a worker pinning another
// one refuses to send its token, and plain HTTP is not served there.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { startFakeOllama, type FakeOllama } from '../fakes/ollama';
import {
  createTokenCli,
  FAST,
  freePort,
  lastCliOutput,
  removeDir,
  serve,
  startWorker,
  tempDir,
  until,
  type Srv,
  type WorkerProc,
} from './workers-helpers';

// 127.0.0.2 is a loopback address the server does not treat as loopback (only 127.0.0.1 / localhost / ::1 are),
// so it stands in for a LAN address without needing a second host.
const HOST = '127.0.0.2';
let s: Srv;
let dir: string;
let remote: FakeOllama;
let env: Record<string, string>;
const workers: WorkerProc[] = [];

before(async () => {
  // This test process talks to the self-signed server as the operator; the workers under test pin it for real.
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
  remote = await startFakeOllama(undefined, { chat: (b) => `worker says ${b.messages.at(-1)!.content}` });
  dir = tempDir();
  const port = await freePort();
  env = { ...FAST, AGENTORA_HOST: HOST, AGENTORA_API_URL: `http://${HOST}:${port}`, AGENTORA_USE_MOCK_OLLAMA: 'true' };
  s = await serve(dir, port, env);
});
after(async () => {
  for (const w of workers) await w.kill();
  await s?.stop();
  await remote?.close();
  if (dir) removeDir(dir);
  delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
});

describe('workers: HTTPS and fingerprint pinning on a network bind', () => {
  test('the server serves HTTPS with a self-signed certificate kept 0600 in the data dir; plain HTTP is not served', async () => {
    assert.match(s.url, /^https:\/\/127\.0\.0\.2:\d+$/);
    const certFile = path.join(dir, 'tls', 'cert.pem');
    assert.equal(statSync(path.join(dir, 'tls', 'key.pem')).mode & 0o777, 0o600);
    const cert = new X509Certificate(readFileSync(certFile));
    assert.match(cert.subjectAltName ?? '', /IP Address:127\.0\.0\.2/);
    assert.equal((await s.api('GET', '/api/workers')).status, 200);
    const plain = await fetch(s.url.replace('https:', 'http:') + '/api/health').then(
      (r) => r.status,
      () => 'refused',
    );
    assert.notEqual(plain, 200);
  });

  test('worker-token create prints the token and the fingerprint; a worker pinning it runs jobs', async () => {
    const token = await createTokenCli(dir, 'lan-desktop', env);
    const fp = /^fingerprint (\S+)$/m.exec(lastCliOutput())?.[1];
    assert.ok(fp, lastCliOutput());
    assert.equal(fp, new X509Certificate(readFileSync(path.join(dir, 'tls', 'cert.pem'))).fingerprint256);
    const api = await s.api('POST', '/api/workers/tokens', { name: 'from-api' });
    assert.equal(api.body.fingerprint, fp);
    assert.match(api.body.command, new RegExp(`agentora worker --server https://127\\.0\\.0\\.2:\\d+ --fingerprint ${fp}`));

    const w = startWorker(s.url, token, remote.url, ['--capabilities', 'model_chat', '--fingerprint', fp!], 'lan-desktop');
    workers.push(w);
    await w.waitFor(/registered as worker #\d+/);
    const d = await s.api('POST', '/api/workers/dispatch', {
      job_type: 'model_chat',
      payload: { messages: [{ role: 'user', content: 'over tls' }] },
    });
    const job = await until('ran on the worker over TLS', async () => {
      const j = (await s.api('GET', `/api/workers/jobs/${d.body.job.id}`)).body.job;
      return j.status === 'succeeded' && j;
    });
    assert.equal(job.ran_on, 'worker:lan-desktop');
    assert.equal(JSON.parse(job.result_json).content, 'worker says over tls');
  });

  test('a worker pinning another fingerprint refuses to send its token; one without a pin does not start', async () => {
    const token = (await s.api('POST', '/api/workers/tokens', { name: 'mitm-check' })).body.token;
    const wrong = 'AA:' + Array.from({ length: 31 }, () => 'BB').join(':');
    const w = startWorker(s.url, token, remote.url, ['--fingerprint', wrong], 'pinned-wrong');
    workers.push(w);
    assert.equal(await w.exited, 4);
    assert.match(w.out(), /refusing the server: the server's certificate \(SHA-256 [0-9A-F:]+\) is not the pinned one/);
    const listed = (await s.api('GET', '/api/workers')).body.items.map((x: any) => x.name);
    assert.ok(!listed.includes('pinned-wrong'), 'it never registered');
    const tokens = (await s.api('GET', '/api/workers/tokens')).body.items;
    assert.equal(tokens.find((t: any) => t.name === 'mitm-check').last_used_at, null, 'the token was never presented');

    const nopin = startWorker(s.url, token, remote.url, [], 'no-pin');
    workers.push(nopin);
    assert.equal(await nopin.exited, 64);
    assert.match(nopin.out(), /needs --fingerprint/);
  });
});
