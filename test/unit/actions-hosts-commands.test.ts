// Issue 9 items 8, 9 and 14 at the policy level: address forms are normalised before domain matching; a glob
// `*` argument cannot reach another folder, an option or a `key=value`; path-like arguments are checked
// against the roots; allowing `xzcat` does not allow `xz` / `unxz` and runs as `xzcat`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { argMatches, evaluate, parseToolParams, type PolicyEnv } from '../../server/src/services/actions/policy';
import { hostMatches, normalizeHost, urlRefusal } from '../../server/src/services/actions/domains';
import type { Rule, ToolName } from '../../server/src/protocol/actions';

let tmp: string;
let root: string;
let data: string;

before(() => {
  tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'agentora-hosts-')));
  root = path.join(tmp, 'ws');
  data = path.join(tmp, 'data');
  mkdirSync(path.join(root, 'src'), { recursive: true });
  mkdirSync(data);
  writeFileSync(path.join(root, 'src/a.txt'), 'a');
  writeFileSync(path.join(data, 'token'), 'secret');
  symlinkSync(path.join(data, 'token'), path.join(root, 'tok'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

const rule = (r: Partial<Rule>): Rule => ({
  id: 1,
  name: 'r',
  tool_name: 'desktop_shell',
  effect: 'allow',
  path_root: null,
  argv: null,
  domain: null,
  enabled: true,
  created_at: '',
  updated_at: '',
  ...r,
});
function env(over: Partial<PolicyEnv> = {}): PolicyEnv {
  return {
    roots: [root],
    blockedRoots: [data],
    allowedDomains: [],
    blockedDomains: ['127.0.0.2', 'evil.test', 'bücher.test'],
    allowedApps: ['cat', 'git', 'xzcat'],
    defaultMode: 'always_ask',
    toolDefaults: {},
    rules: [],
    findGrant: () => null,
    browser: { available: true, executable: '/usr/bin/chromium', reason: '' },
    searchPath: process.env.PATH ?? '/usr/bin:/bin',
    ...over,
  };
}
const ev = (tool: ToolName, p: Record<string, unknown>, e = env()) => evaluate(tool, parseToolParams(tool, p), e);

describe('item 9: one address, many spellings — all blocked', () => {
  test('normalizeHost folds IPv4 number forms, mapped IPv6, trailing dots, case and IDNA', () => {
    for (const h of [
      '127.0.0.2',
      '2130706434',
      '0x7f000002',
      '0x7f.0.0.2',
      '0177.0.0.2',
      '127.2',
      '[::ffff:127.0.0.2]',
      '::ffff:7f00:2',
      '[::ffff:7f00:2]',
      '[0:0:0:0:0:ffff:127.0.0.2]',
      '127.0.0.2.',
      '127.0.0.2..',
    ])
      assert.equal(normalizeHost(h), '127.0.0.2', h);
    assert.equal(normalizeHost('EVIL.test.'), 'evil.test');
    assert.equal(normalizeHost('bücher.test'), 'xn--bcher-kva.test');
    assert.equal(normalizeHost('[::1]'), '[::1]');
  });
  test('attack: every spelling of a blocked address is denied at the proposal', () => {
    for (const u of [
      'http://[::ffff:127.0.0.2]:8080/',
      'http://[::ffff:7f00:2]/',
      'http://2130706434/',
      'http://0x7f.0.0.2/',
      'http://0177.0.0.2/',
      'http://127.0.0.2./',
      'http://EVIL.test./',
      'http://www.evil.test../',
      'http://xn--bcher-kva.test/',
      'http://BÜCHER.test/',
    ]) {
      const r = ev('browser_open_url', { url: u });
      assert.equal(r.decision, 'deny', u);
      assert.equal(r.rule, 'guard:blocked_domain', u);
    }
    assert.equal(ev('browser_open_url', { url: 'http://127.0.0.3/' }).decision, 'ask');
  });
  test('the per-request check (redirects, sub-requests, WebSockets) uses the same normalisation', () => {
    const p = { allowedDomains: [], blockedDomains: ['127.0.0.2', 'evil.test'] };
    for (const u of ['ws://[::ffff:127.0.0.2]:9/', 'wss://evil.test./x', 'http://2130706434/x.png'])
      assert.match(urlRefusal(u, p) ?? '', /blocked domain/, u);
    assert.equal(urlRefusal('ws://127.0.0.1:9/', p), null);
    assert.match(urlRefusal('file:///etc/passwd', p) ?? '', /scheme/);
    // An IP entry is not a domain suffix: 1.127.0.0.2 is a name, not under 127.0.0.2.
    assert.equal(hostMatches('10.127.0.0.2', '127.0.0.2'), false);
  });
});

describe('item 8: a glob argument stays one plain word; path-like arguments are path-checked', () => {
  test('`*` matches no `/`, no `=`, no leading `-`', () => {
    const star = { pattern: '*' };
    assert.equal(argMatches(star, 'notes.txt'), true);
    for (const bad of ['/data/token', '../x', 'a/b', '--output=/tmp/x', '-rf', 'key=value', '-']) assert.equal(argMatches(star, bad), false, bad);
    assert.equal(argMatches({ pattern: '--format=*' }, '--format=oneline'), true, 'an option the rule spells out');
    assert.equal(argMatches({ pattern: '--format=*' }, '--format=a=b'), false);
  });
  test('attack: a `cat *` rule does not read the token in the data dir (before: auto-allowed)', () => {
    const e = env({ rules: [rule({ argv: [{ exact: 'cat' }, { pattern: '*' }] })] });
    assert.equal(ev('desktop_shell', { argv: ['cat', 'src'], cwd: root }, e).decision, 'auto_allow');
    const abs = ev('desktop_shell', { argv: ['cat', path.join(data, 'token')], cwd: root }, e);
    assert.equal(abs.decision, 'deny');
    assert.equal(abs.rule, 'guard:blocked_root');
    // A name inside the root that is a link to the token: "exists" makes it a path, its realpath is blocked.
    assert.equal(ev('desktop_shell', { argv: ['cat', 'tok'], cwd: root }, e).rule, 'guard:blocked_root');
    assert.equal(ev('desktop_shell', { argv: ['cat', '../data/token'], cwd: root }, e).decision, 'deny');
  });
  test('attack: a `git log *` rule does not write outside the roots (before: auto-allowed)', () => {
    const e = env({ rules: [rule({ argv: [{ exact: 'git' }, { exact: 'log' }, { pattern: '*' }] })] });
    assert.equal(ev('desktop_shell', { argv: ['git', 'log', 'HEAD'], cwd: root }, e).decision, 'auto_allow');
    const out = ev('desktop_shell', { argv: ['git', 'log', `--output=${path.join(tmp, 'elsewhere.txt')}`], cwd: root }, e);
    assert.equal(out.decision, 'deny');
    assert.equal(out.rule, 'guard:roots');
    // Inside the roots the option is allowed, but not by the glob: the operator is asked.
    assert.equal(ev('desktop_shell', { argv: ['git', 'log', `--output=${path.join(root, 'log.txt')}`], cwd: root }, e).decision, 'ask');
    assert.equal(ev('desktop_shell', { argv: ['git', 'log', '-o/tmp/x'], cwd: root }, e).decision, 'deny');
  });
  test('URLs and plain words are not paths', () => {
    assert.equal(ev('desktop_shell', { argv: ['git', 'log', 'https://example.com/a/b'], cwd: root }).decision, 'ask');
  });
});

describe('item 14: the allowlist matches the name the operator allowed', () => {
  test('attack: allowing xzcat does not allow xz or unxz (same binary); xzcat runs as xzcat', () => {
    const ok = ev('desktop_shell', { argv: ['xzcat', 'src/a.txt'], cwd: root });
    assert.equal(ok.decision, 'ask');
    assert.equal(ok.resolved.argv0, 'xzcat');
    for (const name of ['xz', 'unxz', '/usr/bin/xz']) {
      const r = ev('desktop_shell', { argv: [name, '-d', 'src/a.txt'], cwd: root });
      assert.equal(r.decision, 'deny', name);
      assert.equal(r.rule, 'guard:apps', name);
    }
    assert.equal(ev('desktop_shell', { argv: ['/usr/bin/xzcat', 'src/a.txt'], cwd: root }).decision, 'ask', 'the same name by its full path');
  });
});
