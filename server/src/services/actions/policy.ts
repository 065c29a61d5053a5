// The policy engine: given a tool call and the policy in force, decide auto_allow / ask / deny, say why and
// which rule decided, and resolve exactly what the action would touch (real paths, executable, cwd, hosts).
// It reads the file system (realpath) but nothing else: no database, no settings — the caller passes a
// PolicyEnv, so tests build one in a line. The queue evaluates at propose time AND again right before execution.
import { lstatSync, statSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { AppError, badInput } from '../../protocol/errors';
import {
  TOOL_PARAMS,
  TOOLS,
  type ActionMode,
  type ArgMatcher,
  type PolicyDecision,
  type Rule,
  type ScopePreview,
  type ToolName,
} from '../../protocol/actions';
import { findExecutable, isInside, PathViolation, realOrNull, realpathNearest, SHELL_META, splitCommand } from './paths';
import { summarize } from './summary';
import { hostMatches, normalizeHost } from './domains';
import { gateEvaluation } from './workflowGate';

const lexists = (p: string) => {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
};

export interface BrowserAvailability {
  available: boolean;
  executable: string | null;
  reason: string;
}

export interface PolicyEnv {
  /** Allowed roots, already realpath'd. */
  roots: readonly string[];
  /** Blocked roots, already realpath'd (always includes the server's own data dir). */
  blockedRoots: readonly string[];
  allowedDomains: readonly string[];
  blockedDomains: readonly string[];
  /** Allowed executables as given in the settings (names or paths). */
  allowedApps: readonly string[];
  defaultMode: ActionMode;
  toolDefaults: Readonly<Partial<Record<ToolName, ActionMode>>>;
  /** Enabled rules only. */
  rules: readonly Rule[];
  /** A remembered approval for this exact action shape, if any (only consulted for ask_once tools). */
  findGrant: (tool: ToolName, matchKey: string) => { id: number } | null;
  browser: BrowserAvailability;
  /** PATH used both to find executables and to run them. */
  searchPath: string;
}

export interface Resolved {
  /** param name → real path (nearest existing parent + tail for new targets). */
  paths: Record<string, string>;
  argv: string[] | null;
  /** Absolute path that will be executed (found on PATH), under the name the operator allowed. */
  executable: string | null;
  /** realpath of the executable at check time: the executor runs that very file (by descriptor) or nothing. */
  executableReal?: string | null;
  /** argv[0] the program sees: the allowed name (multi-call binaries pick their behaviour from it). */
  argv0?: string | null;
  cwd: string | null;
  urls: Record<string, URL>;
}

export interface Evaluation {
  tool: ToolName;
  params: Record<string, unknown>;
  decision: PolicyDecision;
  /** Which rule decided: `rule:<id>`, `grant:<id>`, `default:<mode>`, `tool_default:<mode>`, or `guard:<name>`. */
  rule: string;
  reason: string;
  canRemember: boolean;
  matchKey: string;
  resolved: Resolved;
  scope: ScopePreview;
  summary: string;
  /** Notes for the operator (e.g. shell metacharacters passed literally). */
  notes: string[];
}

/** Validate a tool's params; a bad one is a 400 naming `params.<field>`. */
export function parseToolParams(tool: ToolName, raw: unknown): Record<string, unknown> {
  const parsed = (TOOL_PARAMS[tool] as z.ZodType).safeParse(raw ?? {});
  if (!parsed.success) {
    const e = badInput(parsed.error, 'params');
    const issues = (e.issues ?? []).map((i) => ({ ...i, path: i.path ? `params.${i.path}` : 'params' }));
    throw new AppError('bad_request', `Invalid params for ${tool}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
  }
  return parsed.data as Record<string, unknown>;
}

/**
 * A glob over one argument: `*` and `?` match only plain characters — never spaces, shell metacharacters, a
 * path separator `/` or `=` (so `cat *` cannot reach `/data/token`, `git log *` cannot become
 * `--output=/elsewhere`) — and a wildcard never supplies a leading `-` (no options the rule did not spell out).
 */
const SAFE = '[A-Za-z0-9._:@+,%-]';
export function argMatches(m: ArgMatcher, value: string, alt?: string): boolean {
  if ('exact' in m) return value === m.exact || (alt !== undefined && alt === m.exact);
  const re = new RegExp(
    '^' +
      m.pattern
        .split('')
        .map((c) => (c === '*' ? `${SAFE}*` : c === '?' ? SAFE : c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')))
        .join('') +
      '$',
  );
  const ok = (v: string) => re.test(v) && (!v.startsWith('-') || m.pattern.startsWith('-'));
  return ok(value) || (alt !== undefined && ok(alt));
}

/** Does a command argument look like a path (so it is checked against the roots like a path parameter)? */
export function pathsInArg(arg: string, exists: (p: string) => boolean): string[] {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(arg)) return []; // a URL, not a file
  const out: string[] = [];
  const looks = (v: string) => v.includes('/') || v.startsWith('~') || v === '.' || v === '..' || (v !== '' && exists(v));
  if (looks(arg)) out.push(arg);
  // --output=/x, -o/x style values: the part after `=` (or after a short option letter, if it looks like a path).
  const eq = arg.indexOf('=');
  if (arg.startsWith('-') && eq > 0 && looks(arg.slice(eq + 1))) out.push(arg.slice(eq + 1));
  if (/^-[A-Za-z][/~.]/.test(arg) && looks(arg.slice(2))) out.push(arg.slice(2));
  return out.filter((v) => !v.startsWith('-'));
}

/** Argument-aware: the argv must have exactly as many elements as the rule, each matching. Never a string prefix. */
export function argvMatches(rule: readonly ArgMatcher[], argv: readonly string[], executable: string | null): boolean {
  if (rule.length !== argv.length) return false;
  return rule.every((m, i) => argMatches(m, argv[i]!, i === 0 ? (executable ?? undefined) : undefined));
}

function ruleMatches(rule: Rule, tool: ToolName, r: Resolved): boolean {
  if (rule.tool_name !== '*' && rule.tool_name !== tool) return false;
  if (rule.path_root) {
    const touched = Object.values(r.paths).concat(r.cwd ? [r.cwd] : []);
    if (!touched.length || !touched.every((p) => isInside(p, rule.path_root!))) return false;
  }
  if (rule.argv) {
    if (!r.argv || !argvMatches(rule.argv, r.argv, r.executable)) return false;
  }
  if (rule.domain) {
    const hosts = Object.values(r.urls).map((u) => normalizeHost(u.hostname));
    if (!hosts.length || !hosts.every((h) => hostMatches(h, rule.domain!))) return false;
  }
  return true;
}

function hardLinked(p: string): boolean {
  try {
    const st = statSync(p);
    return st.isFile() && st.nlink > 1;
  } catch {
    return false;
  }
}

class Refusal extends Error {
  constructor(
    readonly guard: string,
    message: string,
  ) {
    super(message);
  }
}

/** Resolve everything the action touches; a Refusal is a hard deny (outside the roots, blocked, not allowed…). */
function resolve(tool: ToolName, p: Record<string, unknown>, env: PolicyEnv): { resolved: Resolved; notes: string[] } {
  const info = TOOLS[tool];
  const base = env.roots[0] ?? process.cwd();
  const resolved: Resolved = { paths: {}, argv: null, executable: null, cwd: null, urls: {} };
  const notes: string[] = [];

  const checkPath = (label: string, real: string) => {
    const blocked = env.blockedRoots.find((b) => isInside(real, b));
    if (blocked) throw new Refusal('blocked_root', `${label} ${real} is inside the blocked folder ${blocked}`);
    if (!env.roots.some((root) => isInside(real, root)))
      throw new Refusal('roots', `${label} ${real} is outside the allowed folders (${env.roots.join(', ') || 'none'})`);
  };
  const real = (label: string, value: string, from = base) => {
    try {
      const r = realpathNearest(value, from);
      checkPath(label, r.real);
      // realpath cannot see through hard links: a second name inside the root for a file outside it (say a
      // key file) would pass. Files with more than one link are refused.
      if (r.exists && hardLinked(r.real))
        throw new Refusal('hard_link', `${label} ${r.real} has several hard links; it may be a file outside the allowed folders`);
      return r.real;
    } catch (err) {
      if (err instanceof PathViolation) throw new Refusal('symlink', `${label}: ${err.message}`);
      throw err;
    }
  };

  for (const name of info.path_params) {
    const v = p[name];
    if (typeof v !== 'string') continue;
    if (tool === 'desktop_rename' && name === 'new_name') continue;
    if (name === 'cwd') continue;
    resolved.paths[name] = real(name, v);
  }
  if (tool === 'desktop_rename') {
    const from = resolved.paths.path!;
    resolved.paths.new_path = real('new_name', path.join(path.dirname(from), String(p.new_name)));
  }
  // Moving or renaming a root itself would take it (and everything in it) out of the policy's reach.
  for (const name of tool === 'desktop_move' || tool === 'desktop_rename' ? ['src', 'path'] : []) {
    const v = resolved.paths[name];
    if (v && env.roots.includes(v)) throw new Refusal('roots', `${name} ${v} is an allowed folder itself; it cannot be moved or renamed`);
  }

  if (tool === 'desktop_shell' || tool === 'desktop_run_app') {
    let argv: string[];
    if (tool === 'desktop_run_app') argv = [String(p.app), ...((p.args as string[]) ?? [])];
    else if (Array.isArray(p.argv)) argv = p.argv as string[];
    else {
      try {
        argv = splitCommand(String(p.command));
      } catch (err) {
        throw new AppError('bad_request', `Invalid params for ${tool}: params.command: ${(err as Error).message}`, [
          { path: 'params.command', message: (err as Error).message },
        ]);
      }
      if (!argv.length)
        throw new AppError('bad_request', `Invalid params for ${tool}: params.command: is empty`, [{ path: 'params.command', message: 'is empty' }]);
    }
    resolved.argv = argv;
    resolved.cwd = real('cwd', typeof p.cwd === 'string' ? p.cwd : base);
    const cwd = resolved.cwd;
    argv.forEach((a, i) => {
      if (i === 0) return;
      if (SHELL_META.test(a))
        notes.push(`argument ${i} (${JSON.stringify(a)}) contains shell metacharacters; it is passed literally, no shell is used`);
    });
    const exe = findExecutable(argv[0]!, env.searchPath, resolved.cwd);
    if (!exe) throw new Refusal('apps', `executable '${argv[0]}' was not found${argv[0]!.includes('/') ? '' : ' on PATH'}`);
    const exeReal = realOrNull(exe) ?? exe;
    // Match the NAME the operator allowed (its folder realpath'd, the last name kept): a multi-call binary
    // (xzcat → xz) decides what it does from the name it is run as, so allowing `xzcat` must not allow `xz`.
    const named = (f: string) => path.join(realOrNull(path.dirname(f)) ?? path.dirname(f), path.basename(f));
    const allowedAs = env.allowedApps.find((a) => {
      const found = findExecutable(a, env.searchPath, resolved.cwd!);
      return found !== null && named(found) === named(exe) && (realOrNull(found) ?? found) === exeReal;
    });
    if (allowedAs === undefined)
      throw new Refusal(
        'apps',
        `executable '${argv[0]}' (${named(exe)}) is not in the allowed apps (${env.allowedApps.join(', ') || 'none'}; set AGENTORA_ALLOWED_APPS)`,
      );
    resolved.executable = exe;
    resolved.executableReal = exeReal;
    resolved.argv0 = path.basename(named(exe));
    // Arguments that name files are checked like any path parameter: a command cannot read or write outside
    // the roots (or inside the blocked data dir) by naming the file in its argv (issue 9: this reverses the
    // earlier "arguments are not path-checked").
    argv.forEach((a, i) => {
      if (i === 0) return;
      // Kept with the paths the action touches: shown in the scope preview, and a rule's path_root must cover them.
      pathsInArg(a, (x) => lexists(path.resolve(cwd, x))).forEach(
        (v, k) => (resolved.paths[`arg${i}${k ? `.${k}` : ''}`] = real(`argument ${i}`, v, cwd)),
      );
    });
  }

  for (const name of info.url_params) {
    const given = p[name];
    if (typeof given !== 'string') continue;
    let raw: string = given;
    if (tool === 'browser_search') {
      if (!raw.includes('{query}'))
        throw new AppError('bad_request', 'Invalid params for browser_search: params.search_url: must contain {query}', [
          { path: 'params.search_url', message: 'must contain {query}' },
        ]);
      raw = raw.replace('{query}', encodeURIComponent(String(p.query)));
    }
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      throw new AppError('bad_request', `Invalid params for ${tool}: params.${name}: not a valid URL`, [
        { path: `params.${name}`, message: 'not a valid URL' },
      ]);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:')
      throw new Refusal('scheme', `${name}: scheme ${u.protocol} is not allowed (http and https only)`);
    const host = normalizeHost(u.hostname);
    const blocked = env.blockedDomains.find((d) => hostMatches(host, d));
    if (blocked) throw new Refusal('blocked_domain', `${name}: ${host} is a blocked domain (${blocked})`);
    if (env.allowedDomains.length && !env.allowedDomains.some((d) => hostMatches(host, d))) {
      throw new Refusal('domains', `${name}: ${host} is not in the allowed domains (${env.allowedDomains.join(', ')})`);
    }
    resolved.urls[name] = u;
  }
  if (info.action_class === 'browser' && !env.browser.available) throw new Refusal('browser', `no browser is available: ${env.browser.reason}`);
  return { resolved, notes };
}

function matchKeyOf(tool: ToolName, r: Resolved): string {
  if (r.argv) return JSON.stringify({ exe: r.executable ? (realOrNull(r.executable) ?? r.executable) : null, args: r.argv.slice(1), cwd: r.cwd });
  if (Object.keys(r.urls).length && !Object.keys(r.paths).length)
    return JSON.stringify({ hosts: [...new Set(Object.values(r.urls).map((u) => normalizeHost(u.hostname)))].sort() });
  return JSON.stringify({
    paths: Object.entries(r.paths).sort(([a], [b]) => a.localeCompare(b)),
    hosts: Object.values(r.urls).map((u) => u.hostname.toLowerCase()),
  });
}

function scopeOf(tool: ToolName, p: Record<string, unknown>, r: Resolved): ScopePreview {
  return {
    paths: Object.values(r.paths),
    argv: r.argv,
    executable: r.executable,
    cwd: r.cwd,
    urls: Object.values(r.urls).map((u) => u.href),
    domains: [...new Set(Object.values(r.urls).map((u) => u.hostname.toLowerCase()))],
    bytes: tool === 'desktop_write_text' ? Buffer.byteLength(String(p.content ?? ''), 'utf8') : null,
  };
}

export function modeFor(tool: ToolName, env: Pick<PolicyEnv, 'toolDefaults' | 'defaultMode'>): { mode: ActionMode; source: string } {
  const t = env.toolDefaults[tool];
  return t ? { mode: t, source: `tool_default:${t}` } : { mode: env.defaultMode, source: `default:${env.defaultMode}` };
}

/** Decide. Params must already be parsed with parseToolParams. Deny wins: guards, then deny rules, then ask, then allow. */
export function evaluate(tool: ToolName, params: Record<string, unknown>, env: PolicyEnv): Evaluation {
  if (tool === 'workflow_gate') return gateEvaluation(params);
  const empty: Resolved = { paths: {}, argv: null, executable: null, cwd: null, urls: {} };
  const root = env.roots[0] ?? null;
  let resolved: Resolved;
  let notes: string[];
  try {
    ({ resolved, notes } = resolve(tool, params, env));
  } catch (err) {
    if (!(err instanceof Refusal)) throw err;
    const scope = scopeOf(tool, params, empty);
    return {
      tool,
      params,
      decision: 'deny',
      rule: `guard:${err.guard}`,
      reason: `Denied: ${err.message}`,
      canRemember: false,
      matchKey: '',
      resolved: empty,
      scope,
      summary: summarize(tool, params, null, root),
      notes: [],
    };
  }
  const scope = scopeOf(tool, params, resolved);
  const summary = summarize(tool, params, resolved, root);
  const matchKey = matchKeyOf(tool, resolved);
  const out = (decision: PolicyDecision, rule: string, reason: string, canRemember = false): Evaluation => ({
    tool,
    params,
    decision,
    rule,
    reason: notes.length && decision !== 'deny' ? `${reason}. Note: ${notes.join('; ')}` : reason,
    canRemember,
    matchKey,
    resolved,
    scope,
    summary,
    notes,
  });

  const matching = env.rules.filter((r) => r.enabled && ruleMatches(r, tool, resolved));
  const byEffect = (e: Rule['effect']) => matching.find((r) => r.effect === e);
  const denyRule = byEffect('deny');
  if (denyRule) return out('deny', `rule:${denyRule.id}`, `Denied by rule "${denyRule.name}"`);
  const askRule = byEffect('ask');
  if (askRule) return out('ask', `rule:${askRule.id}`, `Rule "${askRule.name}" asks for approval`);
  const allowRule = byEffect('allow');
  if (allowRule) return out('auto_allow', `rule:${allowRule.id}`, `Allowed by rule "${allowRule.name}"`);

  const { mode, source } = modeFor(tool, env);
  if (mode === 'deny') return out('deny', source, `Denied: ${tool} is set to deny`);
  if (mode === 'auto_allow') return out('auto_allow', source, `${tool} is set to auto_allow`);
  if (mode === 'ask_once') {
    const grant = env.findGrant(tool, matchKey);
    if (grant) return out('auto_allow', `grant:${grant.id}`, `Allowed by a remembered approval (grant ${grant.id})`);
    return out('ask', source, `${tool} asks once (an approval can be remembered)`, true);
  }
  return out('ask', source, `${tool} always asks for approval`);
}
