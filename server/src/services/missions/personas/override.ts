// The operator's override of a heuristic recommendation (brief phase I): accept, reject, manual override, remove.
// recommendation_state: pending → accepted | rejected | overridden, and back to pending by remove_override (a
// decided recommendation is changed only by removing the decision first: 409 otherwise). The persona policy is
// asked first; the state change and its decision event are one transaction.
import type { CallInfo, ServerContext } from '../../../context';
import { conflict } from '../../../protocol/errors';
import type { OverrideParams } from '../../../protocol/missionsPersonas';
import { commit, getRow, missionOf } from '../loop';
import { refuse } from '../lineage/fork';
import { decisionStore, recordDecision, type DecisionType } from './decisions';
import { enforce } from './policy';
import { recommendationFor } from './recommend';

const NEW_STATE = {
  accept_recommendation: 'accepted',
  reject_recommendation: 'rejected',
  manual_override: 'overridden',
  remove_override: 'pending',
} as const;
const EVENT: Record<OverrideParams['decision'], DecisionType> = {
  accept_recommendation: 'recommendation_accepted',
  reject_recommendation: 'recommendation_rejected',
  manual_override: 'override_applied',
  remove_override: 'override_removed',
};

export function overrideRecommendation(ctx: ServerContext, p: OverrideParams, call: CallInfo) {
  const row = getRow(ctx, p.run_id);
  const rec = recommendationFor(ctx, row);
  const state = row.recommendation_state;
  if (p.decision === 'remove_override' && state === 'pending')
    throw conflict(`Mission ${row.id} has no decision on its recommendation to remove (recommendation_state pending)`);
  if (p.decision !== 'remove_override' && state !== 'pending')
    throw conflict(`Mission ${row.id}'s recommendation is already ${state}: remove that decision first (decision remove_override)`);
  let decision = row.decision_state;
  if (p.decision === 'manual_override') {
    if (p.shortlisted && p.eliminated) throw refuse('eliminated', 'a branch cannot be both shortlisted and eliminated');
    if (p.shortlisted === undefined && p.eliminated === undefined) throw refuse('shortlisted', 'a manual override sets shortlisted or eliminated');
    decision = p.shortlisted ? 'shortlisted' : p.eliminated ? 'eliminated' : 'none';
  } else if (p.decision === 'accept_recommendation') {
    decision = rec.action === 'shortlist' ? 'shortlisted' : rec.action === 'eliminate' ? 'eliminated' : row.decision_state;
  } else if (p.decision === 'remove_override') {
    // Back to the decision state from before the override it removes.
    const last = decisionStore(ctx.db).query({
      run: row.id,
      types: ['recommendation_accepted', 'recommendation_rejected', 'override_applied'],
      limit: 1,
      offset: 0,
    }).events[0];
    decision = typeof last?.data.previous_decision_state === 'string' ? last.data.previous_decision_state : row.decision_state;
  }
  // The policy, before anything changes (a refusal is recorded and thrown as a 400 naming the rule).
  enforce(ctx, row, p.decision, { note: p.note, shortlists: decision === 'shortlisted' && row.decision_state !== 'shortlisted' }, call);
  const newState = NEW_STATE[p.decision];
  let eventId = 0;
  ctx.db.transaction(() => {
    commit(
      ctx,
      row.id,
      () => ({
        fields: {
          recommendation_state: newState,
          operator_override_status: p.decision === 'remove_override' ? 'none' : p.decision,
          operator_override_note: p.decision === 'remove_override' ? null : p.note || null,
          decision_state: decision,
        },
        events: [],
      }),
      call.actor,
    );
    eventId = recordDecision(ctx, {
      mission_id: row.id,
      type: EVENT[p.decision],
      actor: call.actor,
      previous_state: state,
      new_state: newState,
      rationale: p.note,
      data: {
        decision: p.decision,
        previous_decision_state: row.decision_state,
        new_decision_state: decision,
        recommendation: rec.action,
        reason_codes: rec.reason_codes,
      },
    }).id;
  })();
  return { ok: true, run: missionOf(ctx, row.id), recommendation: rec, decision_event_id: eventId };
}
