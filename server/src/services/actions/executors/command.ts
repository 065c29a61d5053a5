// desktop_shell / desktop_run_app: spawn with an argv array (never a shell), the executable the policy found on
// the allowlist, a cwd inside the roots, a timeout, an output cap per stream and a clean environment.
import { spawn } from 'node:child_process';
import type { Evaluation } from '../policy';
import { ExecutionFailed, type ExecOptions } from './types';

/** Only what a program needs to run; no tokens, keys or AGENTORA_* secrets from the server's environment. */
export function cleanEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: process.env.HOME ?? '/',
    LANG: process.env.LANG ?? 'C.UTF-8',
  };
}

export function runCommand(ev: Evaluation, opts: ExecOptions): Promise<unknown> {
  const argv = ev.resolved.argv!;
  const exe = ev.resolved.executable!;
  const cwd = ev.resolved.cwd!;
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(exe, argv.slice(1), { cwd, env: cleanEnv(), shell: false, stdio: ['ignore', 'pipe', 'pipe'], detached: false, argv0: argv[0] });
    const out = { stdout: [] as Buffer[], stderr: [] as Buffer[], n: { stdout: 0, stderr: 0 }, truncated: { stdout: false, stderr: false } };
    const collect = (which: 'stdout' | 'stderr') => (d: Buffer) => {
      const room = opts.outputCap - out.n[which];
      if (room <= 0) { out.truncated[which] = true; return; }
      const part = d.length > room ? d.subarray(0, room) : d;
      if (d.length > room) out.truncated[which] = true;
      out[which].push(part);
      out.n[which] += part.length;
    };
    child.stdout!.on('data', collect('stdout'));
    child.stderr!.on('data', collect('stderr'));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new ExecutionFailed(`could not start ${exe}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result = {
        argv, executable: exe, cwd, exit_code: code, signal, duration_ms: Date.now() - started, timed_out: timedOut,
        stdout: Buffer.concat(out.stdout).toString('utf8'), stderr: Buffer.concat(out.stderr).toString('utf8'),
        stdout_truncated: out.truncated.stdout, stderr_truncated: out.truncated.stderr,
      };
      if (timedOut) reject(new ExecutionFailed(`timed out after ${opts.timeoutMs} ms and was killed`, result));
      else if (code !== 0) reject(new ExecutionFailed(`exited with code ${code}${signal ? ` (signal ${signal})` : ''}`, result));
      else resolve(result);
    });
  });
}
