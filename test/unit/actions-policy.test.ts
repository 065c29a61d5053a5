// The policy engine alone, against temp folders: the attacks of issue 4 and the decision order (deny wins).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { linkSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { argvMatches, evaluate, parseToolParams, type PolicyEnv } from '../../server/src/services/actions/policy';
import { splitCommand } from '../../server/src/services/actions/paths';
import type { Rule, ToolName } from '../../server/src/protocol/actions';
import { AppError } from '../../server/src/protocol/errors';

let tmp: string;
let root: string;
let outside: string;

before(() => {
  tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'agentora-policy-')));
  root = path.join(tmp, 'ws');
  outside = path.join(tmp, 'outside');
  mkdirSync(path.join(root, 'src'), { recursive: true });
  mkdirSync(path.join(root, 'secrets'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(path.join(root, 'src/app.ts'), 'old');
  writeFileSync(path.join(outside, 'passwd'), 'x');
  symlinkSync(outside, path.join(root, 'link-out'));
  symlinkSync(path.join(outside, 'nothing-here'), path.join(root, 'dangling'));
  linkSync(path.join(outside, 'passwd'), path.join(root, 'hardlink'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

let nextRule = 1;
function rule(r: Partial<Rule> & Pick<Rule, 'tool_name' | 'effect'>): Rule {
  return { id: nextRule++, name: `r${nextRule}`, path_root: null, argv: null, domain: null, enabled: true, created_at: '', updated_at: '', ...r };
}

function env(over: Partial<PolicyEnv> = {}): PolicyEnv {
  return {
    roots: [root],
    blockedRoots: [path.join(root, 'secrets')],
    allowedDomains: [],
    blockedDomains: ['evil.example'],
    allowedApps: ['echo', 'git', 'ls'],
    defaultMode: 'always_ask',
    toolDefaults: {},
    rules: [],
    findGrant: () => null,
    browser: { available: true, executable: '/usr/bin/chromium', reason: '' },
    searchPath: process.env.PATH ?? '/usr/bin:/bin',
    ...over,
  };
}
const ev = (tool: ToolName, params: Record<string, unknown>, e = env()) => evaluate(tool, parseToolParams(tool, params), e);

describe('paths: every path-like parameter, after realpath', () => {
  test('attack: ".." traversal out of the root is denied', () => {
    const r = ev('desktop_write_text', { path: 'src/../../outside/pwned', content: 'x' });
    assert.equal(r.decision, 'deny');
    assert.equal(r.rule, 'guard:roots');
    assert.match(r.reason, /outside the allowed folders/);
  });
  test('attack: a symlink inside the root pointing out of it is denied (existing and new targets)', () => {
    assert.equal(ev('desktop_read_text', { path: 'link-out/passwd' }).decision, 'deny');
    const w = ev('desktop_write_text', { path: 'link-out/new/file.txt', content: 'x' });
    assert.equal(w.decision, 'deny');
    assert.match(w.reason, new RegExp(`${outside}/new/file.txt is outside`));
  });
  test('attack: a dangling symlink (write would land wherever it points) is denied', () => {
    const r = ev('desktop_write_text', { path: 'dangling', content: 'x' });
    assert.equal(r.decision, 'deny');
    assert.equal(r.rule, 'guard:symlink');
  });
  test('attack: a hard link inside the root to a file outside it is denied', () => {
    const r = ev('desktop_read_text', { path: 'hardlink' });
    assert.equal(r.decision, 'deny');
    assert.equal(r.rule, 'guard:hard_link');
  });
  test('attack: a second path parameter outside the root is denied (copy/move dst, download output)', () => {
    for (const [tool, params] of [
      ['desktop_copy', { src: 'src/app.ts', dst: path.join(outside, 'copy.ts') }],
      ['desktop_move', { src: 'src/app.ts', dst: '../outside/moved.ts' }],
      ['desktop_move', { src: path.join(outside, 'passwd'), dst: 'src/stolen' }],
      ['browser_download', { url: 'http://127.0.0.1/x', output_path: '/tmp/../etc/x' }],
    ] as const) {
      const r = ev(tool, params);
      assert.equal(r.decision, 'deny', `${tool} ${JSON.stringify(params)}`);
    }
  });
  test('rename cannot escape through new_name, and a root cannot be moved away', () => {
    assert.throws(
      () => parseToolParams('desktop_rename', { path: 'src/app.ts', new_name: '../x' }),
      (e: AppError) => e.kind === 'bad_request' && /params\.new_name/.test(e.message),
    );
    assert.equal(ev('desktop_move', { src: root, dst: path.join(root, 'src/ws2') }).decision, 'deny');
  });
  test('blocked roots win over allowed roots, and the cwd of a command is checked', () => {
    const r = ev('desktop_read_text', { path: 'secrets/key' });
    assert.equal(r.decision, 'deny');
    assert.equal(r.rule, 'guard:blocked_root');
    assert.equal(ev('desktop_shell', { argv: ['ls'], cwd: outside }).decision, 'deny');
  });
  test('a path inside the root is asked by default, with realpaths in the scope preview and a readable summary', () => {
    const r = ev('desktop_write_text', { path: 'src/app.ts', content: 'x'.repeat(214) });
    assert.equal(r.decision, 'ask');
    assert.deepEqual(r.scope.paths, [path.join(root, 'src/app.ts')]);
    assert.equal(r.summary, 'write 214 bytes to src/app.ts');
  });
});

describe('commands: argv, allowlist, argument-aware rules', () => {
  test('executables outside the allowlist are denied', () => {
    const r = ev('desktop_shell', { argv: ['rm', '-rf', '.'] });
    assert.equal(r.decision, 'deny');
    assert.equal(r.rule, 'guard:apps');
  });
  test('attack: prefix-allowed command with a redirect (`git show > ~/.ssh/x`) is not allowed by the `git show` rule', () => {
    const e = env({ rules: [rule({ tool_name: 'desktop_shell', effect: 'allow', argv: [{ exact: 'git' }, { exact: 'show' }] })] });
    assert.equal(ev('desktop_shell', { command: 'git show' }, e).decision, 'auto_allow');
    const r = ev('desktop_shell', { command: 'git show > notes/x' }, e);
    assert.notEqual(r.decision, 'auto_allow');
    assert.deepEqual(r.resolved.argv, ['git', 'show', '>', 'notes/x']);
    assert.match(r.reason, /passed literally, no shell/);
    assert.equal(r.summary, `run \`git show '>' notes/x\` in ${root}`);
    // An argument that names a path outside the roots is refused outright (issue 9, item 8).
    const out = ev('desktop_shell', { command: 'git show > ~/.ssh/x' }, e);
    assert.equal(out.decision, 'deny');
    assert.equal(out.rule, 'guard:roots');
  });
  test('attack: a shell metacharacter in an argument never matches a pattern', () => {
    const e = env({ rules: [rule({ tool_name: 'desktop_shell', effect: 'allow', argv: [{ exact: 'echo' }, { pattern: '*' }] })] });
    assert.equal(ev('desktop_shell', { argv: ['echo', 'hello.txt'] }, e).decision, 'auto_allow');
    for (const bad of ['a;rm -rf ~', '$(id)', '`id`', 'a|b', 'a&&b', 'x > y', 'a b'])
      assert.equal(ev('desktop_shell', { argv: ['echo', bad] }, e).decision, 'ask', bad);
    assert.equal(ev('desktop_shell', { argv: ['echo', 'a', 'b'] }, e).decision, 'ask', 'one more argument than the rule');
  });
  test('argvMatches is element-wise and never a string prefix', () => {
    assert.equal(argvMatches([{ exact: 'git' }, { exact: 'show' }], ['git', 'show'], null), true);
    assert.equal(argvMatches([{ exact: 'git' }, { exact: 'show' }], ['git', 'showx'], null), false);
    assert.equal(argvMatches([{ exact: 'git' }, { exact: 'show' }], ['git show'], null), false);
    assert.equal(argvMatches([{ exact: 'git' }, { pattern: 'HEAD?' }], ['git', 'HEAD;'], null), false, '? never matches a metacharacter');
    assert.equal(argvMatches([{ exact: 'git' }, { pattern: 'v*' }], ['git', 'v1.2'], null), true);
  });
  test('splitCommand: quotes, escapes, nothing expanded', () => {
    assert.deepEqual(splitCommand(`npm  run "a b" 'c d' e\\ f $HOME`), ['npm', 'run', 'a b', 'c d', 'e f', '$HOME']);
  });
});

describe('urls and domains', () => {
  test('only http/https, blocked domains denied (subdomains too), allowed domains gate', () => {
    assert.equal(ev('browser_open_url', { url: 'file:///etc/passwd' }).rule, 'guard:scheme');
    assert.equal(ev('browser_open_url', { url: 'https://a.evil.example/' }).rule, 'guard:blocked_domain');
    const e = env({ allowedDomains: ['example.org'] });
    assert.equal(ev('browser_open_url', { url: 'https://docs.example.org/' }, e).decision, 'ask');
    assert.equal(ev('browser_open_url', { url: 'https://example.org.evil.net/' }, e).rule, 'guard:domains');
  });
  test('no browser configured: refused with the reason', () => {
    const r = ev(
      'browser_open_url',
      { url: 'https://example.org/' },
      env({ browser: { available: false, executable: null, reason: 'no Chromium configured' } }),
    );
    assert.equal(r.decision, 'deny');
    assert.match(r.reason, /no browser is available: no Chromium configured/);
  });
});

describe('decision order: deny wins', () => {
  test('a deny rule beats an allow rule; an ask rule beats an allow rule; rules never beat a guard', () => {
    const allow = rule({ tool_name: '*', effect: 'allow' });
    const denyR = rule({ tool_name: 'desktop_write_text', effect: 'deny', path_root: path.join(root, 'src') });
    const e = env({ rules: [allow, denyR] });
    assert.equal(ev('desktop_write_text', { path: 'src/a.ts', content: '' }, e).decision, 'deny');
    assert.equal(ev('desktop_write_text', { path: 'b.ts', content: '' }, e).decision, 'auto_allow');
    assert.equal(ev('desktop_write_text', { path: '../outside/c', content: '' }, e).decision, 'deny');
    const ask = rule({ tool_name: 'desktop_read_text', effect: 'ask' });
    assert.equal(ev('desktop_read_text', { path: 'src/app.ts' }, env({ rules: [allow, ask] })).decision, 'ask');
    assert.equal(
      ev('desktop_read_text', { path: 'src/app.ts' }, env({ rules: [{ ...allow, enabled: false }] })).decision,
      'ask',
      'disabled rules do nothing',
    );
  });
  test('per-tool defaults and the global default; grants only for ask_once', () => {
    assert.equal(ev('desktop_list_dir', { path: '.' }, env({ toolDefaults: { desktop_list_dir: 'auto_allow' } })).decision, 'auto_allow');
    assert.equal(ev('desktop_list_dir', { path: '.' }, env({ defaultMode: 'deny' })).decision, 'deny');
    const once = ev('desktop_list_dir', { path: '.' }, env({ defaultMode: 'ask_once' }));
    assert.equal(once.decision, 'ask');
    assert.equal(once.canRemember, true);
    const granted = ev(
      'desktop_list_dir',
      { path: '.' },
      env({ defaultMode: 'ask_once', findGrant: (t, k) => (t === 'desktop_list_dir' && k === once.matchKey ? { id: 7 } : null) }),
    );
    assert.equal(granted.decision, 'auto_allow');
    assert.equal(granted.rule, 'grant:7');
    const always = ev('desktop_list_dir', { path: '.' }, env({ findGrant: () => ({ id: 7 }) }));
    assert.equal(always.decision, 'ask', 'always_ask ignores grants');
    assert.equal(always.canRemember, false);
  });
  test('bad params are a 400 naming params.<field>', () => {
    assert.throws(
      () => parseToolParams('desktop_write_text', { path: 'a' }),
      (e: AppError) => e.kind === 'bad_request' && e.issues?.[0]?.path === 'params.content',
    );
    assert.throws(
      () => parseToolParams('desktop_shell', { argv: ['ls'], sneaky: 1 }),
      (e: AppError) => e.kind === 'bad_request',
    );
  });
});
