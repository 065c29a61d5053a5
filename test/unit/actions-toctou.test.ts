// Issue 9 item 4, deterministically: the policy checks a name, then (before the executor uses it) the name is
// swapped for a symlink out of the roots. Each case reproduces the attack at exactly that moment and shows the
// executor refuses ("Refused at use") without reading, writing or running the swapped-in object. Before the
// fix every one of these read / wrote / ran the outside object. (The racing version: test/server/actions-attack-race.)
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { evaluate, parseToolParams, type PolicyEnv } from '../../server/src/services/actions/policy';
import { execute } from '../../server/src/services/actions/executors';
import { SwapRefused } from '../../server/src/services/actions/safefs';
import type { ToolName } from '../../server/src/protocol/actions';

let tmp: string;
let root: string;
let outside: string;
let data: string;

function env(over: Partial<PolicyEnv> = {}): PolicyEnv {
  return {
    roots: [root],
    blockedRoots: [data],
    allowedDomains: [],
    blockedDomains: [],
    allowedApps: ['echo'],
    defaultMode: 'auto_allow',
    toolDefaults: {},
    rules: [],
    findGrant: () => null,
    browser: { available: false, executable: null, reason: 'none' },
    searchPath: process.env.PATH ?? '/usr/bin:/bin',
    ...over,
  };
}

/** Check now, swap, then execute what was checked. */
async function checkSwapRun(tool: ToolName, params: Record<string, unknown>, swap: () => void, e = env()) {
  const ev = evaluate(tool, parseToolParams(tool, params), e);
  assert.equal(ev.decision, 'auto_allow', `the check passes before the swap: ${ev.reason}`);
  swap();
  return execute(ev, {
    guard: { roots: e.roots, blockedRoots: e.blockedRoots },
    timeoutMs: 5000,
    outputCap: 65536,
    browserExecutable: null,
    checkUrl: () => null,
  });
}

/** Replace `name` (file or folder) with a symlink to `target`, atomically as a local process would. */
function swapToLink(name: string, target: string) {
  const stash = name + '.stash-' + Math.random().toString(36).slice(2);
  renameSync(name, stash);
  symlinkSync(target, name);
}

before(() => {
  tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'agentora-toctou-')));
  outside = path.join(tmp, 'outside');
  data = path.join(tmp, 'data');
});
beforeEach(() => {
  root = path.join(tmp, `ws-${Math.random().toString(36).slice(2)}`);
  mkdirSync(path.join(root, 'dir'), { recursive: true });
  rmSync(outside, { recursive: true, force: true });
  rmSync(data, { recursive: true, force: true });
  mkdirSync(outside, { recursive: true });
  mkdirSync(data, { recursive: true });
  writeFileSync(path.join(root, 'dir/file.txt'), 'inside');
  writeFileSync(path.join(outside, 'file.txt'), 'OUTSIDE-SECRET');
  writeFileSync(path.join(data, 'token'), 'API-TOKEN');
});
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('check what you use (TOCTOU)', () => {
  test('read: the file swapped for a link to the data dir token → refused, token not returned', async () => {
    const f = path.join(root, 'dir/file.txt');
    await assert.rejects(
      checkSwapRun('desktop_read_text', { path: f }, () => swapToLink(f, path.join(data, 'token'))),
      SwapRefused,
    );
    // The attack is real: using the checked NAME again (what the executor did before) now reads the token.
    assert.equal(readFileSync(f, 'utf8'), 'API-TOKEN');
  });
  test('read: the PARENT folder swapped for a link to an outside folder → refused', async () => {
    const d = path.join(root, 'dir');
    await assert.rejects(
      checkSwapRun('desktop_read_text', { path: path.join(d, 'file.txt') }, () => swapToLink(d, outside)),
      /Refused at use: .*outside the allowed folders/,
    );
    assert.equal(
      readFileSync(path.join(d, 'file.txt'), 'utf8'),
      'OUTSIDE-SECRET',
      'O_NOFOLLOW alone would not have caught this (the link is the parent)',
    );
  });
  test('list: the folder swapped for a link → refused', async () => {
    const d = path.join(root, 'dir');
    await assert.rejects(
      checkSwapRun('desktop_list_dir', { path: d }, () => swapToLink(d, data)),
      SwapRefused,
    );
  });
  test('write (new file) through a swapped parent folder → refused, nothing created outside', async () => {
    const d = path.join(root, 'dir');
    await assert.rejects(
      checkSwapRun('desktop_write_text', { path: path.join(d, 'new.txt'), content: 'pwned' }, () => swapToLink(d, outside)),
      SwapRefused,
    );
    assert.equal(existsSync(path.join(outside, 'new.txt')), false);
  });
  test('write (overwrite) of a file swapped for a link → refused, the outside file is not truncated', async () => {
    const f = path.join(root, 'dir/file.txt');
    await assert.rejects(
      checkSwapRun('desktop_write_text', { path: f, content: 'pwned', overwrite: true }, () => swapToLink(f, path.join(outside, 'file.txt'))),
      SwapRefused,
    );
    assert.equal(readFileSync(path.join(outside, 'file.txt'), 'utf8'), 'OUTSIDE-SECRET');
  });
  test('write into a missing folder whose existing parent is swapped → refused, no folder made outside', async () => {
    const d = path.join(root, 'dir');
    await assert.rejects(
      checkSwapRun('desktop_write_text', { path: path.join(d, 'a/b/new.txt'), content: 'x' }, () => swapToLink(d, outside)),
      SwapRefused,
    );
    assert.equal(existsSync(path.join(outside, 'a')), false);
  });
  test('copy: the SOURCE swapped for a link to the token → refused, nothing copied', async () => {
    const f = path.join(root, 'dir/file.txt');
    await assert.rejects(
      checkSwapRun('desktop_copy', { src: f, dst: path.join(root, 'copy.txt') }, () => swapToLink(f, path.join(data, 'token'))),
      SwapRefused,
    );
    assert.equal(existsSync(path.join(root, 'copy.txt')), false);
  });
  test('copy: the DESTINATION folder swapped for a link → refused, nothing written outside', async () => {
    mkdirSync(path.join(root, 'dst'));
    const d = path.join(root, 'dst');
    await assert.rejects(
      checkSwapRun('desktop_copy', { src: path.join(root, 'dir/file.txt'), dst: path.join(d, 'c.txt') }, () => swapToLink(d, outside)),
      SwapRefused,
    );
    assert.equal(existsSync(path.join(outside, 'c.txt')), false);
  });
  test('move: the destination folder swapped → refused, the source stays', async () => {
    mkdirSync(path.join(root, 'dst'));
    const d = path.join(root, 'dst');
    await assert.rejects(
      checkSwapRun('desktop_move', { src: path.join(root, 'dir/file.txt'), dst: path.join(d, 'm.txt') }, () => swapToLink(d, outside)),
      SwapRefused,
    );
    assert.equal(readFileSync(path.join(root, 'dir/file.txt'), 'utf8'), 'inside');
    assert.equal(existsSync(path.join(outside, 'm.txt')), false);
  });
  test('run: the checked executable swapped for another program (a copy of /usr/bin/id) → refused, id never runs', async () => {
    // `bin` is a link to /usr/bin when checked (so bin/echo is the allowed echo), then becomes a folder whose echo is id.
    const evil = path.join(tmp, `evil-${Math.random().toString(36).slice(2)}`);
    mkdirSync(evil);
    copyFileSync('/usr/bin/id', path.join(evil, 'echo'));
    const { chmodSync } = await import('node:fs');
    chmodSync(path.join(evil, 'echo'), 0o755);
    symlinkSync('/usr/bin', path.join(root, 'bin'));
    const e = env({ allowedApps: ['/usr/bin/echo'] });
    await assert.rejects(
      checkSwapRun(
        'desktop_shell',
        { argv: ['bin/echo', 'hello'], cwd: root },
        () => {
          rmSync(path.join(root, 'bin'));
          symlinkSync(evil, path.join(root, 'bin'));
        },
        e,
      ),
      /Refused at use: executable .* not the checked \/usr\/bin\/echo/,
    );
  });
  test('run: the cwd swapped for a link out of the roots → refused', async () => {
    const d = path.join(root, 'dir');
    await assert.rejects(
      checkSwapRun('desktop_shell', { argv: ['echo', 'x'], cwd: d }, () => swapToLink(d, outside)),
      SwapRefused,
    );
  });
  test('without a swap every tool still works (the verified path is the normal path)', async () => {
    const f = path.join(root, 'dir/file.txt');
    const r = (await checkSwapRun('desktop_read_text', { path: f }, () => undefined)) as { content: string };
    assert.equal(r.content, 'inside');
    await checkSwapRun('desktop_write_text', { path: path.join(root, 'dir/x/y/new.txt'), content: 'hello' }, () => undefined);
    assert.equal(readFileSync(path.join(root, 'dir/x/y/new.txt'), 'utf8'), 'hello');
    await checkSwapRun('desktop_write_text', { path: f, content: 'short', overwrite: true }, () => undefined);
    assert.equal(readFileSync(f, 'utf8'), 'short');
    await checkSwapRun('desktop_copy', { src: path.join(root, 'dir'), dst: path.join(root, 'dir2') }, () => undefined);
    assert.equal(readFileSync(path.join(root, 'dir2/x/y/new.txt'), 'utf8'), 'hello');
    await checkSwapRun('desktop_move', { src: path.join(root, 'dir2'), dst: path.join(root, 'moved/dir2') }, () => undefined);
    assert.equal(readFileSync(path.join(root, 'moved/dir2/file.txt'), 'utf8'), 'short');
    await checkSwapRun('desktop_rename', { path: path.join(root, 'moved'), new_name: 'renamed' }, () => undefined);
    assert.ok(existsSync(path.join(root, 'renamed/dir2/file.txt')));
    const out = (await checkSwapRun('desktop_shell', { argv: ['echo', 'hi'], cwd: path.join(root, 'dir') }, () => undefined)) as {
      stdout: string;
      cwd: string;
    };
    assert.equal(out.stdout, 'hi\n');
    const pwd = (await checkSwapRun(
      'desktop_shell',
      { argv: ['pwd'], cwd: path.join(root, 'dir') },
      () => undefined,
      env({ allowedApps: ['pwd'] }),
    )) as { stdout: string };
    assert.equal(pwd.stdout.trim(), path.join(root, 'dir'));
  });
});
