// An address where TCP connect never completes, to test connect timeouts without the network: a child process
// listens with a backlog of 1 and then blocks its event loop, so it never accepts; once two connections fill the
// kernel's accept queue, further SYNs are dropped and connect() just waits.
import { spawn } from 'node:child_process';
import net from 'node:net';

export interface Blackhole {
  url: string;
  port: number;
  stop(): Promise<void>;
}

const CHILD = `
const s = require('net').createServer();
s.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
  process.stdout.write(String(s.address().port) + '\\n');
  setTimeout(() => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0), 50);
});`;

export async function startBlackhole(): Promise<Blackhole> {
  const child = spawn(process.execPath, ['-e', CHILD], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (d) => resolve(Number(String(d).trim())));
    child.once('error', reject);
  });
  // Wait until the child is blocked, then fill the accept queue.
  await new Promise((r) => setTimeout(r, 150));
  const fillers: net.Socket[] = [];
  for (let i = 0; i < 3; i++) {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => {});
    fillers.push(s);
    const connected = await new Promise<boolean>((r) => {
      s.once('connect', () => r(true));
      setTimeout(() => r(false), 200);
    });
    if (!connected) break; // the queue is full: connects now hang
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    async stop() {
      for (const s of fillers) s.destroy();
      if (child.exitCode === null) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await gone;
      }
    },
  };
}
