// Two hosts with network namespaces (root only): the server in this namespace bound to 10.77.x.1 with TLS, a real
// worker in another namespace (its own network stack, reached over a veth pair) pinning the certificate's
// fingerprint. A wrong fingerprint is refused. Elsewhere the test is skipped with the reason printed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
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

function skipReason(): string | false {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'network namespaces need root (CI runs as root)';
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    return 'the `ip` command (iproute2) is not installed';
  }
  return false;
}
const skip = skipReason();
if (skip) console.log(`workers-netns: skipped — ${skip}`);

const id = process.pid % 200;
const NS = `agw${process.pid}`;
const VETH = `agv${process.pid}`;
const SRV_IP = `10.77.${id}.1`;
const WRK_IP = `10.77.${id}.2`;
const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });
let s: Srv | undefined;
let dir = '';
const workers: WorkerProc[] = [];

describe('workers: two hosts (network namespaces)', { skip }, () => {
  before(async () => {
    ip('netns', 'add', NS);
    ip('link', 'add', `${VETH}a`, 'type', 'veth', 'peer', 'name', `${VETH}b`);
    ip('link', 'set', `${VETH}b`, 'netns', NS);
    ip('addr', 'add', `${SRV_IP}/24`, 'dev', `${VETH}a`);
    ip('link', 'set', `${VETH}a`, 'up');
    ip('netns', 'exec', NS, 'ip', 'addr', 'add', `${WRK_IP}/24`, 'dev', `${VETH}b`);
    ip('netns', 'exec', NS, 'ip', 'link', 'set', `${VETH}b`, 'up');
    ip('netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up');
    dir = tempDir();
    const port = await freePort();
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0'; // the test's own operator calls; the worker pins for real
    s = await serve(dir, port, { ...FAST, AGENTORA_HOST: SRV_IP, AGENTORA_API_URL: `http://${SRV_IP}:${port}`, AGENTORA_USE_MOCK_OLLAMA: 'true' });
  });
  after(async () => {
    for (const w of workers) await w.kill();
    await s?.stop();
    if (dir) removeDir(dir);
    try {
      ip('netns', 'del', NS); // takes the veth pair with it
    } catch {
      /* already gone */
    }
    delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
  });

  test('a worker in the other namespace pins the fingerprint and runs a job; a wrong fingerprint is refused', async () => {
    assert.match(s!.url, new RegExp(`^https://${SRV_IP.replace(/\./g, '\\.')}:\\d+$`));
    const env = { AGENTORA_HOST: SRV_IP };
    const token = await createTokenCli(dir, 'netns-desktop', env);
    const fp = /^fingerprint (\S+)$/m.exec(lastCliOutput())![1]!;
    const wrap = ['ip', 'netns', 'exec', NS];
    const w = startWorker(s!.url, token, 'http://127.0.0.1:9', ['--capabilities', 'model_chat', '--fingerprint', fp], 'netns-desktop', {
      wrap,
      env: { AGENTORA_USE_MOCK_OLLAMA: 'true' },
    });
    workers.push(w);
    await w.waitFor(/registered as worker #\d+/);
    const d = await s!.api('POST', '/api/workers/dispatch', {
      job_type: 'model_chat',
      payload: { messages: [{ role: 'user', content: 'across hosts' }] },
    });
    const job = await until('ran on the other host', async () => {
      const j = (await s!.api('GET', `/api/workers/jobs/${d.body.job.id}`)).body.job;
      return j.status === 'succeeded' && j;
    });
    assert.equal(job.ran_on, 'worker:netns-desktop');

    const wrong = startWorker(
      s!.url,
      token,
      'http://127.0.0.1:9',
      ['--fingerprint', fp.replace(/^../, fp.startsWith('00') ? '11' : '00')],
      'netns-wrong',
      {
        wrap,
        env: { AGENTORA_USE_MOCK_OLLAMA: 'true' },
      },
    );
    workers.push(wrong);
    assert.equal(await wrong.exited, 4);
    assert.match(wrong.out(), /is not the pinned one/);
  });
});
