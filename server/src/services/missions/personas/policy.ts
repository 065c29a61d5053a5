// Persona policy hooks that really block (brief phase J) and the policy templates that really change them
// (phase K). The effective policy of a mission is its root lineage's template when one is applied, else the
// AGENTORA_PERSONA_POLICY_* settings. Every guarded write asks `enforce` first, before it changes anything: a
// refusal is recorded as a `policy_blocked_action` decision event (naming the rule) and thrown as a 400 naming
// the rule — so a blocked action changes nothing but the audit trail. The same check guards the REST / RPC /
// MCP doors (they share the services) and manual and automatic writeback (loop.ts asks before writing).
import type { CallInfo, ServerContext } from '../../../context';
import { AppError, notFound } from '../../../protocol/errors';
import type { PolicyAction, PolicyRules, PolicyTemplateName } from '../../../protocol/missionsAudit';
import type { MissionRow } from '../store';
import { commit } from '../loop';
import { CONSERVATIVE_OVERLAYS, CONSERVATIVE_PRESETS, EXPLORATORY_OVERLAYS, EXPLORATORY_PRESETS } from './catalogue';
import { decisionStore, recordDecision } from './decisions';
import { prep } from './analytics';

export const TEMPLATES: Record<PolicyTemplateName, { description: string; policy: PolicyRules }> = {
  default: {
    description: "The brief's defaults: hooks off, an override reason required once they are on.",
    policy: {
      enabled: false,
      require_dual_review_on_high_risk: false,
      block_exploratory_on_high_risk: false,
      require_override_reason: true,
      require_conservative_branch_on_high_risk: false,
    },
  },
  high_risk_repo: {
    description: 'Every hook on: dual review, no exploratory branches and a conservative sibling on high risk, reasons for overrides.',
    policy: {
      enabled: true,
      require_dual_review_on_high_risk: true,
      block_exploratory_on_high_risk: true,
      require_override_reason: true,
      require_conservative_branch_on_high_risk: true,
    },
  },
  recovery_mode: {
    description: 'Recovering from failures: no exploration on high risk, a conservative sibling required, reasons for overrides.',
    policy: {
      enabled: true,
      require_dual_review_on_high_risk: false,
      block_exploratory_on_high_risk: true,
      require_override_reason: true,
      require_conservative_branch_on_high_risk: true,
    },
  },
  strict_review: {
    description: 'Reviews first: dual review on high risk and reasons for overrides.',
    policy: {
      enabled: true,
      require_dual_review_on_high_risk: true,
      block_exploratory_on_high_risk: false,
      require_override_reason: true,
      require_conservative_branch_on_high_risk: false,
    },
  },
  exploratory_lab: {
    description: 'Exploration allowed: only override reasons are required.',
    policy: {
      enabled: true,
      require_dual_review_on_high_risk: false,
      block_exploratory_on_high_risk: false,
      require_override_reason: true,
      require_conservative_branch_on_high_risk: false,
    },
  },
};

export const templates = () => Object.entries(TEMPLATES).map(([name, t]) => ({ name: name as PolicyTemplateName, ...t }));

export function template(name: string) {
  const t = TEMPLATES[name as PolicyTemplateName];
  if (!t) throw notFound('Policy template', name);
  return { name: name as PolicyTemplateName, ...t };
}

function fromSettings(ctx: ServerContext): PolicyRules {
  const c = ctx.config;
  return {
    enabled: c['personaPolicy.enabled'],
    require_dual_review_on_high_risk: c['personaPolicy.requireDualReviewOnHighRisk'],
    block_exploratory_on_high_risk: c['personaPolicy.blockExploratoryOnHighRisk'],
    require_override_reason: c['personaPolicy.requireOverrideReason'],
    require_conservative_branch_on_high_risk: c['personaPolicy.requireConservativeBranchOnHighRisk'],
  };
}

/** The policy template applied to a lineage (exported for the benchmark's bare SQL). */
export const TEMPLATE_SQL = 'SELECT template_name FROM mission_policy WHERE root_mission_id = ?';

export function appliedTemplate(ctx: ServerContext, rootId: string): string | null {
  // Prepared once per connection.
  return (prep(ctx.db, TEMPLATE_SQL).pluck().get(rootId) as string | undefined) ?? null;
}

/** The policy in force for a lineage, and where it comes from. */
export function effectivePolicy(
  ctx: ServerContext,
  rootId: string,
): { source: 'settings' | 'template'; template_name: string | null; policy: PolicyRules } {
  const name = appliedTemplate(ctx, rootId);
  const t = name ? TEMPLATES[name as PolicyTemplateName] : undefined;
  return t ? { source: 'template', template_name: name, policy: t.policy } : { source: 'settings', template_name: null, policy: fromSettings(ctx) };
}

type Subject = Pick<MissionRow, 'id' | 'root_mission_id' | 'risk_level' | 'strategy' | 'persona_overlay'>;

export const isExploratory = (r: Pick<MissionRow, 'strategy' | 'persona_overlay'>) =>
  EXPLORATORY_PRESETS.includes(r.strategy ?? '') || EXPLORATORY_OVERLAYS.includes(r.persona_overlay ?? '');
export const isConservative = (r: Pick<MissionRow, 'strategy' | 'persona_overlay'>) =>
  (CONSERVATIVE_PRESETS as readonly string[]).includes(r.strategy ?? '') || CONSERVATIVE_OVERLAYS.includes(r.persona_overlay ?? '');

export interface ActionDetail {
  /** The operator's note (override reason). */
  note?: string;
  /** For a manual override: does it shortlist? */
  shortlists?: boolean;
  /** For a persona branch set: the resolved specs. */
  specs?: { strategy: string; overlay: string }[];
  trigger?: 'manual' | 'auto';
}

export interface Verdict {
  allowed: boolean;
  enabled: boolean;
  action: PolicyAction;
  rule: string | null;
  message: string;
  template_name: string | null;
  policy: PolicyRules;
  rules_checked: string[];
}

const SHORTLISTING: PolicyAction[] = ['shortlist', 'accept_recommendation', 'manual_override'];

/** Judge one action on one mission; writes nothing. */
export function check(ctx: ServerContext, row: Subject, action: PolicyAction, d: ActionDetail = {}): Verdict {
  const eff = effectivePolicy(ctx, row.root_mission_id);
  const p = eff.policy;
  const base = { enabled: p.enabled, action, template_name: eff.template_name, policy: p };
  const checked: string[] = [];
  const block = (rule: string, message: string): Verdict => ({ ...base, allowed: false, rule, message, rules_checked: [...checked, rule] });
  if (!p.enabled)
    return { ...base, allowed: true, rule: null, message: 'Persona policy is off for this lineage: nothing is blocked', rules_checked: [] };
  const high = row.risk_level === 'high';

  if (p.require_override_reason && ['reject_recommendation', 'manual_override', 'remove_override'].includes(action)) {
    checked.push('override_reason_required');
    if (!d.note?.trim()) return block('override_reason_required', `${action} needs a note giving the reason (override_reason_required)`);
  }
  if (p.block_exploratory_on_high_risk) {
    checked.push('exploratory_blocked_on_high_risk');
    if (action === 'persona_branch_set') {
      const bad = d.specs?.find((s) => isExploratory({ strategy: s.strategy, persona_overlay: s.overlay }));
      if (high && bad)
        return block(
          'exploratory_blocked_on_high_risk',
          `the source mission is high risk: an exploratory branch (${bad.overlay}/${bad.strategy}) is not allowed (exploratory_blocked_on_high_risk)`,
        );
    } else if (high && isExploratory(row) && [...SHORTLISTING, 'writeback', 'launch'].includes(action)) {
      return block(
        'exploratory_blocked_on_high_risk',
        `an exploratory branch of a high-risk mission cannot be ${verb(action)} (exploratory_blocked_on_high_risk)`,
      );
    }
  }
  if (p.require_dual_review_on_high_risk && ['shortlist', 'manual_override', 'writeback'].includes(action)) {
    checked.push('dual_review_required_on_high_risk');
    if (high) {
      const reviewed = ctx.db
        .prepare("SELECT 1 FROM mission_decisions WHERE mission_id = ? AND type = 'recommendation_accepted' LIMIT 1")
        .pluck()
        .get(row.id);
      if (!reviewed)
        return block(
          'dual_review_required_on_high_risk',
          `a high-risk mission needs a first review on record (an accepted recommendation) before it is ${verb(action)} (dual_review_required_on_high_risk)`,
        );
    }
  }
  if (p.require_conservative_branch_on_high_risk) {
    checked.push('conservative_branch_required_on_high_risk');
    if (action === 'persona_branch_set') {
      if (high && d.specs && !d.specs.some((s) => isConservative({ strategy: s.strategy, persona_overlay: s.overlay })))
        return block(
          'conservative_branch_required_on_high_risk',
          'the source mission is high risk: the branch set must include a conservative branch (conservative_fix / minimal_patch, or a conservative overlay) (conservative_branch_required_on_high_risk)',
        );
    } else if (
      high &&
      !isConservative(row) &&
      (['shortlist', 'accept_recommendation'].includes(action) || (action === 'manual_override' && d.shortlists))
    ) {
      const sibling = ctx.db
        .prepare(
          `SELECT 1 FROM missions WHERE root_mission_id = ? AND id != ? AND (strategy IN (SELECT value FROM json_each(?)) OR persona_overlay IN (SELECT value FROM json_each(?))) LIMIT 1`,
        )
        .pluck()
        .get(row.root_mission_id, row.id, JSON.stringify(CONSERVATIVE_PRESETS), JSON.stringify(CONSERVATIVE_OVERLAYS));
      if (!sibling)
        return block(
          'conservative_branch_required_on_high_risk',
          `a non-conservative high-risk branch is shortlisted only beside a conservative sibling; this lineage has none (conservative_branch_required_on_high_risk)`,
        );
    }
  }
  return { ...base, allowed: true, rule: null, message: `Allowed: ${action} passes the persona policy`, rules_checked: checked };
}

function verb(action: PolicyAction): string {
  return (
    (
      {
        shortlist: 'shortlisted',
        accept_recommendation: 'accepted',
        manual_override: 'overridden',
        writeback: 'written back',
        launch: 'launched',
      } as Record<string, string>
    )[action] ?? action
  );
}

/**
 * Check, and on a refusal record it and throw the 400 naming the rule. An automatic writeback refused again for
 * the same rule is not recorded twice in a row (the watcher retries).
 */
export function enforce(ctx: ServerContext, row: Subject, action: PolicyAction, d: ActionDetail, call: CallInfo): Verdict {
  const v = check(ctx, row, action, d);
  if (v.allowed) return v;
  const store = decisionStore(ctx.db);
  const last = store.ofRun(row.id, 1, 0).events[0];
  const repeat = d.trigger === 'auto' && last?.event_type === 'policy_blocked_action' && last.rule === v.rule && last.data.action === action;
  if (!repeat)
    recordDecision(ctx, {
      mission_id: row.id,
      type: 'policy_blocked_action',
      actor: call.actor,
      rule: v.rule,
      rationale: v.message,
      data: { action, template_name: v.template_name, ...(d.trigger ? { trigger: d.trigger } : {}), transport: call.transport },
    });
  throw policyError(v);
}

export function policyError(v: Verdict): AppError {
  return new AppError(
    'bad_request',
    `Blocked by persona policy rule ${v.rule}: ${v.message}`,
    [{ path: 'rule', message: v.rule ?? '' }],
    v.template_name
      ? `The lineage runs under the ${v.template_name} policy template; apply another template or satisfy the rule.`
      : 'Satisfy the rule, or change the AGENTORA_PERSONA_POLICY_* settings.',
  );
}

/** Apply a template to the lineage of a mission's root: the effective policy changes at once, audited. */
export function applyTemplate(ctx: ServerContext, row: Subject, name: string, note: string, call: CallInfo) {
  const t = template(name);
  const root = row.root_mission_id;
  const previous = appliedTemplate(ctx, root);
  const at = new Date().toISOString();
  const event = ctx.db.transaction(() => {
    ctx.db
      .prepare(
        `INSERT INTO mission_policy (root_mission_id, template_name, applied_at, applied_by) VALUES (?, ?, ?, ?)
         ON CONFLICT (root_mission_id) DO UPDATE SET template_name = excluded.template_name, applied_at = excluded.applied_at, applied_by = excluded.applied_by`,
      )
      .run(root, t.name, at, call.actor);
    return recordDecision(
      ctx,
      {
        mission_id: root,
        type: 'policy_template_applied',
        actor: call.actor,
        previous_state: previous ?? 'settings',
        new_state: t.name,
        rationale: note || `policy template ${t.name} applied to the lineage of ${root}`,
        data: { template_name: t.name, policy: t.policy, applied_from_run_id: row.id },
      },
      at,
    );
  })();
  return { template: t, previous_template: previous, event };
}

/**
 * Writeback, manual or automatic, under the same policy. A refused automatic writeback is also taken off the
 * watcher's queue (with a timeline note naming the rule), so the watcher does not retry it every cycle; the
 * operator can write it back by hand once the rule is satisfied.
 */
export function guardWriteback(ctx: ServerContext, row: MissionRow, trigger: 'manual' | 'auto', call: CallInfo): void {
  const v = check(ctx, row, 'writeback', { trigger });
  if (v.allowed) return;
  if (trigger === 'auto' && row.writeback_status === 'pending') {
    commit(
      ctx,
      row.id,
      (r) =>
        r.writeback_status === 'pending'
          ? {
              fields: { writeback_status: 'none', last_auto_writeback_at: new Date().toISOString() },
              events: [{ type: 'writeback_skipped', message: `Automatic writeback held by persona policy rule ${v.rule}`, data: { rule: v.rule } }],
            }
          : { fields: {}, events: [] },
      call.actor,
    );
  }
  enforce(ctx, row, 'writeback', { trigger }, call);
}
