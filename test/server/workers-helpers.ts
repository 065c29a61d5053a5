// Helpers of the workers tests: a server on a fixed port (so a restarted one has the same URL for its workers),
// real `agentora worker` processes with their output, and polling with a deadline (never sleeps to synchronise).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CLI } from '../helpers/server';

export const FAST = {
  AGENTORA_WORKER_LEASE_SECONDS: '1.5',
  AGENTORA_WORKER_HEARTBEAT_SECONDS: '0.3',
  AGENTORA_WORKER_CLAIM_WAIT_SECONDS: '2',
};

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export async function until<T>(what: string, fn: () => Promise<T | undefined | false | null> | T | undefined | false | null, ms = 20000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface Srv {
  url: string;
  port: number;
  dataDir: string;
  token: string;
  proc: ChildProcess;
  api(verb: string, p: string, body?: unknown, token?: string): Promise<{ status: number; body: any }>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** `agentora serve` on this port and data dir (the caller removes the data dir). */
export async function serve(dataDir: string, port: number, env: Record<string, string>): Promise<Srv> {
  // AGENTORA_SERVER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the server a bench starts.
  const nodeArgs = process.env.AGENTORA_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const proc = spawn(process.execPath, [...nodeArgs, CLI, 'serve', '--port', String(port)], {
    env: { PATH: process.env.PATH, HOME: dataDir, AGENTORA_DATA_DIR: dataDir, ...env },
    cwd: dataDir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stderr!.on('data', (d) => (err += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server not ready\n${out}\n${err}`)), 20000);
    proc.stdout!.on('data', (d) => {
      out += d;
      if (/studio\s*: http/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.once('exit', (code) => reject(new Error(`server exited ${code}\n${out}\n${err}`)));
  });
  const url = /API\s*: (https?:\/\/\S+)\/api/.exec(out)![1]!;
  const token = readFileSync(path.join(dataDir, 'token'), 'utf8').trim();
  return {
    url,
    port,
    dataDir,
    token,
    proc,
    async api(verb, p, body, tok = token) {
      const r = await fetch(url + p, {
        method: verb,
        headers: { authorization: `Bearer ${tok}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await r.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      return { status: r.status, body: parsed };
    },
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill(signal);
      await exited;
    },
  };
}

export function tempDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'agentora-workers-'));
}
export const removeDir = (d: string) => rmSync(d, { recursive: true, force: true });

export interface WorkerProc {
  proc: ChildProcess;
  out(): string;
  waitFor(re: RegExp, ms?: number): Promise<RegExpExecArray>;
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** A real `agentora worker` process (its own Ollama: `ollamaUrl`). */
export function startWorker(
  server: string,
  token: string,
  ollamaUrl: string,
  args: string[] = [],
  name = 'w1',
  opts: { wrap?: string[]; env?: Record<string, string> } = {},
): WorkerProc {
  // (an https server also needs `--fingerprint` in args; `wrap` runs it inside e.g. `ip netns exec <ns>`)
  const wrap = opts.wrap ?? [];
  const argv = [...wrap.slice(1), process.execPath, CLI, 'worker', '--server', server, '--name', name, ...args];
  const proc = spawn(wrap[0] ?? argv.shift()!, argv, {
    env: {
      PATH: process.env.PATH,
      AGENTORA_WORKER_TOKEN: token,
      AGENTORA_OLLAMA_URL: ollamaUrl,
      AGENTORA_OLLAMA_CHAT_MODEL: 'llama3.2',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return {
    proc,
    out: () => out,
    exited,
    waitFor: (re, ms = 20000) => until(`worker output ${re}\n--- output:\n${out}`, () => re.exec(out) ?? undefined, ms),
    async kill(signal = 'SIGKILL') {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill(signal);
      await exited;
    },
  };
}

/** stdout of the last `worker-token create` (the token line, and the fingerprint line behind HTTPS). */
export let lastCliOutput = () => '';

/** Issue a worker token through the CLI (as an operator would), reading it from its own line. */
export function createTokenCli(dataDir: string, name: string, env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [CLI, 'worker-token', 'create', '--name', name], {
      env: { PATH: process.env.PATH, HOME: dataDir, AGENTORA_DATA_DIR: dataDir, ...env },
      cwd: dataDir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    lastCliOutput = () => out;
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('wkr_'));
      if (code === 0 && line) resolve(line.trim());
      else reject(new Error(`worker-token create failed (${code}): ${out}\n${err}`));
    });
  });
}
