// desktop_shell / desktop_run_app: spawn with an argv array (never a shell), the executable the policy found on
// the allowlist, a cwd inside the roots, a timeout, an output cap per stream and a clean environment.
// Check what you run: the executable is opened and its descriptor's real path compared with the file the
// policy verified; the child then executes THAT descriptor (`/proc/self/fd/3`) with argv[0] = the allowed name,
// in the verified cwd descriptor (`/proc/self/fd/4`) — a name swapped meanwhile is never re-resolved.
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Evaluation } from '../policy';
import { fdPath, openDir, SwapRefused, type Guard } from '../safefs';
import { ExecutionFailed, type ExecOptions } from './types';

/** Only what a program needs to run; no tokens, keys or AGENTORA_* secrets from the server's environment. */
export function cleanEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: process.env.HOME ?? '/',
    LANG: process.env.LANG ?? 'C.UTF-8',
  };
}

export async function runCommand(ev: Evaluation, opts: ExecOptions, guard: Guard): Promise<unknown> {
  const exe = ev.resolved.executable!;
  const cwdFh = await openDir(ev.resolved.cwd!, guard, 'cwd');
  let exeFh: FileHandle | null = null;
  try {
    exeFh = await open(exe, constants.O_RDONLY).catch((err: NodeJS.ErrnoException) => {
      throw new ExecutionFailed(`could not open ${exe}: ${err.code ?? err.message}`);
    });
    const real = fdPath(exeFh.fd);
    const expected = ev.resolved.executableReal ?? exe;
    if (real !== expected) throw new SwapRefused(`executable ${exe} is now ${real}, not the checked ${expected} (was it swapped?)`);
    if (!(await exeFh.stat()).isFile()) throw new SwapRefused(`executable ${exe} is not a regular file now`);
    return await spawnVerified(ev, opts, exeFh, cwdFh);
  } finally {
    await exeFh?.close().catch(() => undefined);
    await cwdFh.close().catch(() => undefined);
  }
}

function spawnVerified(ev: Evaluation, opts: ExecOptions, exeFh: FileHandle, cwdFh: FileHandle): Promise<unknown> {
  const argv = ev.resolved.argv!;
  const exe = ev.resolved.executable!;
  const cwd = ev.resolved.cwd!;
  const argv0 = ev.resolved.argv0 ?? path.basename(exe);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    // fd 3 = the verified executable, fd 4 = the verified cwd (in the child, before exec: chdir, then execve).
    const child = spawn('/proc/self/fd/3', argv.slice(1), {
      cwd: '/proc/self/fd/4',
      env: cleanEnv(),
      shell: false,
      stdio: ['ignore', 'pipe', 'pipe', exeFh.fd, cwdFh.fd],
      detached: false,
      argv0,
    });
    const out = { stdout: [] as Buffer[], stderr: [] as Buffer[], n: { stdout: 0, stderr: 0 }, truncated: { stdout: false, stderr: false } };
    const collect = (which: 'stdout' | 'stderr') => (d: Buffer) => {
      const room = opts.outputCap - out.n[which];
      if (room <= 0) {
        out.truncated[which] = true;
        return;
      }
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
        argv,
        executable: exe,
        cwd,
        exit_code: code,
        signal,
        duration_ms: Date.now() - started,
        timed_out: timedOut,
        stdout: Buffer.concat(out.stdout).toString('utf8'),
        stderr: Buffer.concat(out.stderr).toString('utf8'),
        stdout_truncated: out.truncated.stdout,
        stderr_truncated: out.truncated.stderr,
      };
      if (timedOut) reject(new ExecutionFailed(`timed out after ${opts.timeoutMs} ms and was killed`, result));
      else if (code !== 0) reject(new ExecutionFailed(`exited with code ${code}${signal ? ` (signal ${signal})` : ''}`, result));
      else resolve(result);
    });
  });
}
