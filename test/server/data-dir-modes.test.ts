// Defect 15 of issue 10: the data dir holds every mission, memory and the API token, so a fresh one is created
// 0700 and the database and token 0600 — under the usual umask 022 that used to give 0755 / 0644 — and a data
// dir someone loosened is tightened again at the next start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI } from '../helpers/server';

const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);

/** Start the real CLI on `dataDir` (umask 022, as in a user's shell), wait for its ready line, stop it. */
async function runOnce(dataDir: string, cwd: string): Promise<void> {
  const proc = spawn('/bin/sh', ['-c', `umask 022 && exec "${process.execPath}" "${CLI}" serve --port 0`], {
    env: { PATH: process.env.PATH, HOME: cwd, AGENTORA_DATA_DIR: dataDir },
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready:\n${out}`)), 20000);
    proc.stdout!.on('data', (d) => {
      out += d;
      if (/studio\s*: http/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.stderr!.on('data', (d) => (out += d));
    proc.on('exit', (code) => reject(new Error(`exited ${code}:\n${out}`)));
  });
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  await exited;
}

test('a new data dir is 0700, the database, its WAL and the token 0600; loosened modes are tightened', async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'agentora-modes-'));
  try {
    const dataDir = path.join(tmp, 'fresh', 'agentora');
    await runOnce(dataDir, tmp);
    assert.equal(mode(dataDir), '700');
    assert.equal(mode(path.join(dataDir, 'agentora.db')), '600');
    assert.equal(mode(path.join(dataDir, 'token')), '600');

    chmodSync(dataDir, 0o755);
    chmodSync(path.join(dataDir, 'agentora.db'), 0o644);
    await runOnce(dataDir, tmp);
    assert.equal(mode(dataDir), '700');
    assert.equal(mode(path.join(dataDir, 'agentora.db')), '600');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
