// Starts the real built CLI (`node dist/server/cli.js serve`) on a free port with a temp data dir, and waits for
// its ready line (no sleeps). Always stop() it, even when a test fails.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface TestServer {
  url: string;
  token: string;
  dataDir: string;
  proc: ChildProcess;
  readyMs: number;
  stop(): Promise<void>;
  fetch(p: string, init?: RequestInit & { auth?: boolean }): Promise<Response>;
}

export const ROOT = path.resolve(__dirname, '../..');
export const CLI = path.join(ROOT, 'dist/server/cli.js');

export interface StartOptions {
  /** Reuse this data dir (e.g. to restart a server on the same data); it is then left in place by stop(). */
  dataDir?: string;
}

export async function startServer(env: Record<string, string> = {}, timeoutMs = 15000, opts: StartOptions = {}): Promise<TestServer> {
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'agentora-test-'));
  const started = performance.now();
  // AGENTORA_SERVER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the server a bench starts.
  const nodeArgs = process.env.AGENTORA_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const proc = spawn(process.execPath, [...nodeArgs, CLI, 'serve', '--port', '0'], {
    env: { PATH: process.env.PATH, HOME: dataDir, AGENTORA_DATA_DIR: dataDir, ...env },
    cwd: dataDir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server not ready in ${timeoutMs} ms\n${out}\n${err}`)), timeoutMs);
    proc.stdout!.on('data', (d) => {
      out += d;
      // AGENTORA_SERVER_STDOUT=file keeps what a bench's server prints, stdout and stderr (its log; --trace-gc output).
      if (process.env.AGENTORA_SERVER_STDOUT) appendFileSync(process.env.AGENTORA_SERVER_STDOUT, d);
      const m = /studio\s*: (http:\/\/[^/]+)\//.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    proc.stderr!.on('data', (d) => {
      err += d;
      if (process.env.AGENTORA_SERVER_STDOUT) appendFileSync(process.env.AGENTORA_SERVER_STDOUT, d);
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}\n${out}\n${err}`));
    });
  });
  const readyMs = performance.now() - started;
  const token = readFileSync(path.join(dataDir, 'token'), 'utf8').trim();
  return {
    url,
    token,
    dataDir,
    proc,
    readyMs,
    async stop() {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await exited;
      }
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
    fetch(p, init = {}) {
      const headers = new Headers(init.headers);
      if (init.auth !== false && !headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
      if (init.body && !(init.body instanceof FormData) && !headers.has('content-type')) headers.set('content-type', 'application/json');
      return fetch(url + p, { ...init, headers });
    },
  };
}
