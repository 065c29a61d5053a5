// Per-server state of the actions area (never a module singleton): the store, the session key that scopes
// "Always allow for this session" grants, and the workspace folders the extension reported.
import { randomBytes, createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ServerContext } from '../../context';
import type { ActionMode, ToolName } from '../../protocol/actions';
import { ToolName as ToolNameSchema, ActionMode as ModeSchema } from '../../protocol/actions';
import { ActionStore } from './store';
import { realRoot } from './paths';
import type { BrowserAvailability, PolicyEnv } from './policy';

export interface ActionsState {
  store: ActionStore;
  sessionKey: string;
  workspaceFolders: string[] | null;
}

const states = new WeakMap<ServerContext, ActionsState>();

export function stateOf(ctx: ServerContext): ActionsState {
  let s = states.get(ctx);
  // The store is tied to one database handle; a context whose db changed (tests) gets a fresh one.
  if (!s || s.store.db !== ctx.db) {
    s = { store: new ActionStore(ctx.db), sessionKey: randomBytes(12).toString('hex'), workspaceFolders: s?.workspaceFolders ?? null };
    states.set(ctx, s);
  }
  return s;
}

export function allowedRoots(ctx: ServerContext): { roots: string[]; source: 'setting' | 'workspace' | 'cwd' } {
  const configured = ctx.config['actions.allowedPathRoots'];
  if (configured.length) return { roots: configured.map(realRoot), source: 'setting' };
  const ws = stateOf(ctx).workspaceFolders;
  if (ws && ws.length) return { roots: ws.map(realRoot), source: 'workspace' };
  return { roots: [realRoot(process.cwd())], source: 'cwd' };
}

/** "Always allow for this workspace" is keyed by the set of allowed roots, so it never leaks into another workspace. */
export function workspaceKey(roots: readonly string[]): string {
  return createHash('sha256').update([...roots].sort().join('\n')).digest('hex').slice(0, 32);
}

export function toolDefaults(ctx: ServerContext): Partial<Record<ToolName, ActionMode>> {
  const out: Partial<Record<ToolName, ActionMode>> = {};
  for (const pair of ctx.config['actions.toolDefaults']) {
    const [tool, mode] = pair.split('=').map((s) => s.trim());
    const t = ToolNameSchema.safeParse(tool);
    const m = ModeSchema.safeParse(mode);
    if (t.success && m.success) out[t.data] = m.data;
    else ctx.log.warn(`actions.toolDefaults: ignoring '${pair}' (expected tool=mode)`);
  }
  return out;
}

const requireHere = createRequire(__filename);

/** The playwright-core module if it can be loaded (not bundled: the .vsix carries it in dist/node_modules). */
export function loadPlaywright(): typeof import('playwright-core') | null {
  try {
    // A computed name keeps esbuild from bundling it: it is resolved at run time from node_modules.
    const name = ['playwright', 'core'].join('-');
    return requireHere(name) as typeof import('playwright-core');
  } catch {
    return null;
  }
}

export function browserAvailability(ctx: ServerContext): BrowserAvailability {
  const setting = ctx.config['actions.browserExecutable'].trim();
  if (setting.toLowerCase() === 'off') return { available: false, executable: null, reason: 'browser actions are turned off (actions.browserExecutable = off)' };
  const exe = setting || (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : '');
  if (!exe) return { available: false, executable: null, reason: 'no Chromium configured: set actions.browserExecutable / AGENTORA_BROWSER_EXECUTABLE (or install /usr/bin/chromium)' };
  if (!existsSync(exe)) return { available: false, executable: exe, reason: `the configured browser ${exe} does not exist` };
  if (!loadPlaywright()) return { available: false, executable: exe, reason: 'playwright-core is missing next to the server: reinstall the Agentora extension (its package carries it) or, standalone, run `npm install playwright-core` in the checkout' };
  return { available: true, executable: exe, reason: `headless Chromium at ${exe}` };
}

export function policyEnv(ctx: ServerContext): PolicyEnv {
  const st = stateOf(ctx);
  const { roots } = allowedRoots(ctx);
  const wsKey = workspaceKey(roots);
  return {
    roots,
    // The server's own data dir holds the API token and the database: never reachable by an action.
    blockedRoots: [...ctx.config['actions.blockedPathRoots'], ctx.config.dataDir].map(realRoot),
    allowedDomains: ctx.config['actions.allowedDomains'],
    blockedDomains: ctx.config['actions.blockedDomains'],
    allowedApps: ctx.config['actions.allowedApps'],
    defaultMode: ctx.config['actions.requireApprovalDefault'],
    toolDefaults: toolDefaults(ctx),
    rules: st.store.rules(true),
    findGrant: (tool, matchKey) => st.store.findGrant(tool, matchKey, st.sessionKey, wsKey),
    browser: browserAvailability(ctx),
    searchPath: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
  };
}
