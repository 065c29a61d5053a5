// Issue 9 items 8 and 14 against the real server: command rules whose `*` used to reach anywhere, path-like
// arguments, and a multi-call binary picked by argv0. Before: a `cat *` rule read the API token from the data
// dir and `git log *` wrote outside the roots, both without approval; allowing `xzcat` allowed `xz` / `unxz`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, type TestServer } from '../helpers/server';

let s: TestServer;
let tmp: string;
let ws: string;

async function post(p: string, body: unknown): Promise<any> {
  const r = await s.fetch(p, { method: 'POST', body: JSON.stringify(body) });
  const j = await r.json();
  assert.ok(r.status < 300, JSON.stringify(j));
  return j;
}
const shell = (argv: string[]) => post('/api/actions', { tool_name: 'desktop_shell', params: { argv, cwd: ws } });

before(async () => {
  tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'agentora-cmd-attack-')));
  ws = path.join(tmp, 'ws');
  mkdirSync(ws);
  writeFileSync(path.join(ws, 'notes.txt'), 'plain notes');
  writeFileSync(path.join(ws, 'data.txt'), 'compressed text\n');
  execFileSync('xz', ['-k', path.join(ws, 'data.txt')]);
  execFileSync('git', ['init', '-q', ws]);
  s = await startServer({ AGENTORA_ALLOWED_PATH_ROOTS: ws, AGENTORA_ALLOWED_APPS: 'cat,git,xzcat' });
});
after(async () => {
  await s?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe('command rules and argument paths', () => {
  test('attack: a `cat *` allow rule does not read the API token (by path, by ../, or by a link in the root)', async () => {
    await post('/api/actions/rules', {
      name: 'cat one file',
      tool_name: 'desktop_shell',
      effect: 'allow',
      argv: [{ exact: 'cat' }, { pattern: '*' }],
    });
    const ok = await shell(['cat', 'notes.txt']);
    assert.equal(ok.status, 'executed');
    assert.equal(ok.result.stdout, 'plain notes');
    const { symlinkSync } = await import('node:fs');
    symlinkSync(path.join(s.dataDir, 'token'), path.join(ws, 'tok'));
    for (const arg of [path.join(s.dataDir, 'token'), path.relative(ws, path.join(s.dataDir, 'token')), 'tok']) {
      const a = await shell(['cat', arg]);
      assert.equal(a.status, 'denied', arg);
      assert.doesNotMatch(JSON.stringify(a), new RegExp(s.token), arg);
    }
  });
  test('attack: a `git log *` allow rule does not write outside the roots', async () => {
    await post('/api/actions/rules', {
      name: 'git log',
      tool_name: 'desktop_shell',
      effect: 'allow',
      argv: [{ exact: 'git' }, { exact: 'log' }, { pattern: '*' }],
    });
    const outFile = path.join(tmp, 'outside.txt');
    const a = await shell(['git', 'log', `--output=${outFile}`]);
    assert.equal(a.status, 'denied');
    assert.equal(a.policy_rule, 'guard:roots');
    assert.equal(existsSync(outFile), false);
    // Inside the roots the same option is not covered by the glob: it waits for the operator.
    assert.equal((await shell(['git', 'log', `--output=${path.join(ws, 'log.txt')}`])).status, 'pending');
  });
});

describe('the allowlist matches the allowed name', () => {
  test('attack: with `xzcat` allowed, `xz` and `unxz` (the same binary) are denied; xzcat runs as xzcat', async () => {
    for (const argv of [
      ['xz', '-d', 'data.txt.xz'],
      ['unxz', 'data.txt.xz'],
      ['/usr/bin/xz', '-d', 'data.txt.xz'],
    ]) {
      const a = await shell(argv);
      assert.equal(a.status, 'denied', argv[0]);
      assert.match(a.approval_reason, /not in the allowed apps/);
    }
    assert.ok(existsSync(path.join(ws, 'data.txt.xz')), 'unxz did not run');
    const p = await shell(['xzcat', 'data.txt.xz']);
    assert.equal(p.status, 'pending');
    const r = await post(`/api/actions/${p.id}/approve`, { reason: 'ok' });
    assert.equal(r.status, 'executed', JSON.stringify(r.error));
    // Run by descriptor, yet as `xzcat`: it decompressed to stdout and left the .xz in place.
    assert.equal(r.result.stdout, 'compressed text\n');
    assert.ok(existsSync(path.join(ws, 'data.txt.xz')));
  });
});
