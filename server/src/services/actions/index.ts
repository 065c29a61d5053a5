// Actions area services and its background runtime.
import { z } from 'zod';
import * as A from '../../protocol/actions';
import { AppError, badInput, notFound } from '../../protocol/errors';
import type { Implementation } from '../registry';
import { implement } from '../registry';
import type { AreaRuntime } from '../../runtime';
import type { ServerContext } from '../../context';
import { modeFor } from './policy';
import { realRoot } from './paths';
import { approve, deny, emitChange, previewOf, propose } from './queue';
import { recoverInterrupted } from './recovery';
import { allowedRoots, browserAvailability, stateOf, toolDefaults, workspaceKey } from './state';

function checkRule(r: { argv?: A.ArgMatcher[] | null; path_root?: string | null; tool_name?: string; effect?: string }): void {
  // An allow rule skips approval: it must name the one tool it lets through ("*" would approve everything).
  if (r.effect === 'allow' && r.tool_name === '*') {
    throw new AppError('bad_request', 'Invalid params: tool_name: an allow rule must name one tool (not "*"); use ask or deny for any tool', [
      { path: 'tool_name', message: 'an allow rule must name one tool' },
    ]);
  }
  for (const [i, m] of (r.argv ?? []).entries()) {
    if ('pattern' in m && !/^[A-Za-z0-9._/:=@+,%*?-]+$/.test(m.pattern)) {
      throw new AppError(
        'bad_request',
        `Invalid params: argv.${i}.pattern: may use only letters, digits, . _ / : = @ + , % - and the wildcards * ?`,
        [{ path: `argv.${i}.pattern`, message: 'invalid characters' }],
      );
    }
  }
}

const ruleRoot = (p: string | null | undefined) => (p ? realRoot(p) : null);

function grantsNow(ctx: ServerContext) {
  const st = stateOf(ctx);
  return st.store.grants(st.sessionKey, workspaceKey(allowedRoots(ctx).roots));
}

export const actionsServices: readonly Implementation[] = [
  implement(A.propose, (p, ctx, call) => propose(ctx, { ...p, params: p.params }, call)),
  implement(A.listPending, (p, ctx) => {
    const st = stateOf(ctx);
    return { items: st.store.pending(p.limit, p.offset), total: st.store.pendingCount() };
  }),
  implement(A.history, (p, ctx) => {
    const h = stateOf(ctx).store.history(p.limit, p.offset, p.status, p.run_id);
    return { items: h.items, executions: h.executions as z.infer<typeof A.Execution>[], approval_history: h.audit, total: h.total };
  }),
  implement(
    A.get,
    (p, ctx) =>
      stateOf(ctx).store.get(p.id) ??
      (() => {
        throw notFound('Action', p.id);
      })(),
  ),
  implement(A.approve, (p, ctx, call) => approve(ctx, p.id, p.reason, p.remember, call)),
  implement(A.deny, (p, ctx, call) => deny(ctx, p.id, p.reason, call)),
  implement(A.preview, (p, ctx) => previewOf(ctx, p.id)),
  implement(A.tools, (_p, ctx) => {
    const env = { toolDefaults: toolDefaults(ctx), defaultMode: ctx.config['actions.requireApprovalDefault'] };
    return {
      items: A.ToolName.options
        .filter((t) => t !== 'workflow_gate' /* the engine's, not a tool to propose */)
        .map((t) => ({
          tool_name: t,
          ...A.TOOLS[t],
          path_params: [...A.TOOLS[t].path_params],
          url_params: [...A.TOOLS[t].url_params],
          default_mode: modeFor(t, env).mode,
          params_schema: z.toJSONSchema(A.TOOL_PARAMS[t], { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>,
        })),
    };
  }),
  implement(A.policy, (_p, ctx) => {
    const { roots, source } = allowedRoots(ctx);
    return {
      allowed_roots: roots,
      roots_source: source,
      blocked_roots: [...ctx.config['actions.blockedPathRoots'], ctx.config.dataDir].map(realRoot),
      allowed_domains: [...ctx.config['actions.allowedDomains']],
      blocked_domains: [...ctx.config['actions.blockedDomains']],
      allowed_apps: [...ctx.config['actions.allowedApps']],
      default_mode: ctx.config['actions.requireApprovalDefault'],
      tool_defaults: toolDefaults(ctx),
      browser: browserAvailability(ctx),
    };
  }),
  implement(A.setWorkspaceFolders, (p, ctx) => {
    stateOf(ctx).workspaceFolders = p.folders;
    emitChange(ctx, 'policy', null);
    return { ok: true, folders: p.folders };
  }),
  implement(A.listRules, (p, ctx) => ({ items: stateOf(ctx).store.rules(!p.include_disabled) })),
  implement(A.createRule, (p, ctx, call) => {
    checkRule(p);
    const st = stateOf(ctx);
    const rule = st.store.insertRule({
      name: p.name,
      tool_name: p.tool_name,
      effect: p.effect,
      path_root: ruleRoot(p.path_root),
      argv: p.argv ?? null,
      domain: p.domain?.toLowerCase() ?? null,
      enabled: p.enabled,
    });
    st.store.audit({
      action_id: null,
      event: 'rule_created',
      actor: call.actor,
      transport: call.transport,
      reason: `${rule.name}: ${rule.effect} ${rule.tool_name}`,
      rule: `rule:${rule.id}`,
    });
    emitChange(ctx, 'rule', null);
    return rule;
  }),
  implement(A.updateRule, (p, ctx, call) => {
    const st = stateOf(ctx);
    const old = st.store.rule(p.id);
    if (!old) throw notFound('Rule', p.id);
    checkRule(p);
    const next = {
      ...old,
      ...Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)),
      path_root: p.path_root === undefined ? old.path_root : ruleRoot(p.path_root),
      domain: p.domain === undefined ? old.domain : (p.domain?.toLowerCase() ?? null),
      argv: p.argv === undefined ? old.argv : (p.argv ?? null),
    } as A.Rule;
    checkRule(next);
    const parsed = A.RuleInput.safeParse({
      name: next.name,
      tool_name: next.tool_name,
      effect: next.effect,
      path_root: next.path_root,
      argv: next.argv,
      domain: next.domain,
      enabled: next.enabled,
    });
    if (!parsed.success) throw badInput(parsed.error);
    const rule = st.store.updateRule(next);
    st.store.audit({
      action_id: null,
      event: rule.enabled ? 'rule_updated' : 'rule_disabled',
      actor: call.actor,
      transport: call.transport,
      reason: `${rule.name}: ${rule.effect} ${rule.tool_name}`,
      rule: `rule:${rule.id}`,
    });
    emitChange(ctx, 'rule', null);
    return rule;
  }),
  implement(A.deleteRule, (p, ctx, call) => {
    const st = stateOf(ctx);
    if (!st.store.deleteRule(p.id)) throw notFound('Rule', p.id);
    st.store.audit({ action_id: null, event: 'rule_deleted', actor: call.actor, transport: call.transport, reason: null, rule: `rule:${p.id}` });
    emitChange(ctx, 'rule', null);
    return { ok: true, id: p.id };
  }),
  implement(A.listGrants, (_p, ctx) => ({ items: grantsNow(ctx) })),
  implement(A.revokeGrant, (p, ctx, call) => {
    const st = stateOf(ctx);
    if (!grantsNow(ctx).some((g) => g.id === p.id) || !st.store.revokeGrant(p.id)) throw notFound('Grant', p.id);
    st.store.audit({ action_id: null, event: 'grant_revoked', actor: call.actor, transport: call.transport, reason: null, rule: `grant:${p.id}` });
    emitChange(ctx, 'grant', null);
    return { ok: true, id: p.id };
  }),
];

export const actionsRuntime: AreaRuntime = {
  name: 'actions',
  start(ctx) {
    stateOf(ctx);
    recoverInterrupted(ctx);
  },
};
