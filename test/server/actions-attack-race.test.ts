// Issue 9 item 4 as an attacker runs it: a separate process flips names between a real folder/file and a
// symlink out of the roots as fast as it can, while the real server (over REST) reads, writes, copies and runs
// through those names. ≥ 500 attempts per attack; an escape is any secret byte returned, any byte written
// outside the roots, or the swapped-in program running. Expected: zero escapes. The counts of attempts the
// policy refused at the check and the executor refused at use are logged (the latter shows the race was hit).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  lstatSync,
  readlinkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, type TestServer } from '../helpers/server';

const ATTEMPTS = Number(process.env.AGENTORA_RACE_ATTEMPTS ?? 500);
let s: TestServer;
let tmp: string;
let ws: string;
let outside: string;
let evil: string;

/**
 * The swapping process: flips `name` between the real entry (kept aside as `name.real`) and a symlink to
 * `target` (kept aside as `name.link`) with rename(), which is atomic, until killed.
 */
function flipper(name: string, target: string): ChildProcess {
  const code = `
    const fs = require('fs');
    const [name, target] = process.argv.slice(1);
    try { fs.symlinkSync(target, name + '.link'); } catch {}
    for (;;) {
      try { fs.renameSync(name, name + '.real'); fs.renameSync(name + '.link', name); } catch {}
      try { fs.renameSync(name, name + '.link'); fs.renameSync(name + '.real', name); } catch {}
    }`;
  return spawn(process.execPath, ['-e', code, name, target], { stdio: 'ignore' });
}

async function propose(tool_name: string, params: Record<string, unknown>): Promise<any> {
  const r = await s.fetch('/api/actions', { method: 'POST', body: JSON.stringify({ tool_name, params }) });
  assert.equal(r.status, 200, await r.clone().text());
  return r.json();
}

interface Tally {
  executed: number;
  deniedAtCheck: number;
  refusedAtUse: number;
  otherFailures: number;
  escapes: number;
}
const tally = (): Tally => ({ executed: 0, deniedAtCheck: 0, refusedAtUse: 0, otherFailures: 0, escapes: 0 });
function count(t: Tally, a: any): void {
  if (a.status === 'executed') t.executed++;
  else if (a.status === 'denied') t.deniedAtCheck++;
  else if (/Refused at (use|execution)/.test(a.error ?? '')) t.refusedAtUse++;
  else t.otherFailures++;
}

function lexists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

async function race(name: string, target: string, attempt: (i: number, t: Tally) => Promise<void>): Promise<Tally> {
  const t = tally();
  rmSync(name + '.real', { recursive: true, force: true });
  const child = flipper(name, target);
  try {
    // A few requests in flight at once, as a busy agent would send them (and it keeps the test under a minute).
    let next = 0;
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        while (next < ATTEMPTS) await attempt(next++, t);
      }),
    );
  } finally {
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await gone;
    // Put the real entry back wherever the killed flipper left it. The name holds the swapped-in link when it
    // points at the flip target (the real entry may itself be a link, as `bin` is, so lstat alone cannot tell);
    // a missing name means the real entry is aside as `.real`.
    const swapped = lexists(name) && lstatSync(name).isSymbolicLink() && readlinkSync(name) === target;
    if (swapped) unlinkSync(name);
    if (!lexists(name) && lexists(name + '.real')) renameSync(name + '.real', name);
    rmSync(name + '.link', { force: true });
  }
  console.log(`# race ${path.basename(name)}: ${JSON.stringify(t)}`);
  return t;
}

before(async () => {
  tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'agentora-race-')));
  ws = path.join(tmp, 'ws');
  outside = path.join(tmp, 'outside');
  evil = path.join(tmp, 'evil');
  for (const d of [ws, outside, evil, path.join(ws, 'rd'), path.join(ws, 'wd'), path.join(ws, 'cd'), path.join(ws, 'src')])
    mkdirSync(d, { recursive: true });
  writeFileSync(path.join(outside, 'f.txt'), 'OUTSIDE-SECRET');
  writeFileSync(path.join(ws, 'rd/f.txt'), 'inside');
  writeFileSync(path.join(ws, 'rf.txt'), 'inside');
  writeFileSync(path.join(ws, 'src/c.txt'), 'copied');
  // The swapped-in "echo" is /usr/bin/id: if it ever runs, stdout has "uid=".
  copyFileSync('/usr/bin/id', path.join(evil, 'echo'));
  chmodSync(path.join(evil, 'echo'), 0o755);
  s = await startServer({
    AGENTORA_ALLOWED_PATH_ROOTS: ws,
    AGENTORA_ALLOWED_APPS: '/usr/bin/echo',
    AGENTORA_ACTION_REQUIRE_APPROVAL_DEFAULT: 'auto_allow',
  });
});
after(async () => {
  await s?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe(`swap races (${ATTEMPTS} attempts each, a separate process flipping the name)`, () => {
  test('read through a file flipped to a link to the server token: never returns the token', async () => {
    const token = s.token;
    const t = await race(path.join(ws, 'rf.txt'), path.join(s.dataDir, 'token'), async (_i, t) => {
      const a = await propose('desktop_read_text', { path: path.join(ws, 'rf.txt') });
      count(t, a);
      if (JSON.stringify(a.result ?? '').includes(token)) t.escapes++;
    });
    assert.equal(t.escapes, 0);
    assert.ok(t.executed + t.deniedAtCheck + t.refusedAtUse + t.otherFailures === ATTEMPTS);
  });
  test('read through a parent folder flipped to a link out of the roots: never returns outside text', async () => {
    const t = await race(path.join(ws, 'rd'), outside, async (_i, t) => {
      const a = await propose('desktop_read_text', { path: path.join(ws, 'rd/f.txt') });
      count(t, a);
      if (JSON.stringify(a.result ?? '').includes('OUTSIDE-SECRET')) t.escapes++;
    });
    assert.equal(t.escapes, 0);
  });
  test('write through a parent folder flipped to a link: never creates or changes a file outside', async () => {
    const t = await race(path.join(ws, 'wd'), outside, async (i, t) => {
      count(t, await propose('desktop_write_text', { path: path.join(ws, `wd/w${i}.txt`), content: 'pwned' }));
      count(tally(), await propose('desktop_write_text', { path: path.join(ws, 'wd/f.txt'), content: 'pwned', overwrite: true }));
    });
    t.escapes =
      readdirSync(outside).filter((n) => n !== 'f.txt').length + (readFileSync(path.join(outside, 'f.txt'), 'utf8') === 'OUTSIDE-SECRET' ? 0 : 1);
    assert.equal(t.escapes, 0, `files written outside: ${readdirSync(outside).join(', ')}`);
  });
  test('copy with the destination folder flipped, and with the source flipped: nothing leaves or enters', async () => {
    const t = await race(path.join(ws, 'cd'), outside, async (i, t) => {
      count(t, await propose('desktop_copy', { src: path.join(ws, 'src/c.txt'), dst: path.join(ws, `cd/c${i}.txt`) }));
    });
    t.escapes = readdirSync(outside).filter((n) => n !== 'f.txt').length;
    const t2 = await race(path.join(ws, 'rf.txt'), path.join(s.dataDir, 'token'), async (i, t) => {
      count(t, await propose('desktop_copy', { src: path.join(ws, 'rf.txt'), dst: path.join(ws, `src/copy${i}.txt`) }));
    });
    for (const n of readdirSync(path.join(ws, 'src'))) if (readFileSync(path.join(ws, 'src', n), 'utf8').includes(s.token)) t2.escapes++;
    assert.equal(t.escapes, 0);
    assert.equal(t2.escapes, 0);
  });
  test('run an allowed executable through a folder flipped between /usr/bin and a folder whose echo is id: id never runs', async () => {
    // bin is a link to /usr/bin (bin/echo = the allowed /usr/bin/echo) or a link to evil (bin/echo = id).
    symlinkSync('/usr/bin', path.join(ws, 'bin'));
    const t = await race(path.join(ws, 'bin'), evil, async (_i, t) => {
      const a = await propose('desktop_shell', { argv: ['bin/echo', 'hello'], cwd: ws });
      count(t, a);
      if (/uid=/.test(JSON.stringify(a.result ?? ''))) t.escapes++;
    });
    assert.equal(t.escapes, 0);
    assert.ok(t.executed > 0, 'the allowed echo still runs when not swapped');
    assert.equal(existsSync(path.join(ws, 'bin/echo')), true);
  });
});
