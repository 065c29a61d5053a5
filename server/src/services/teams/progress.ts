// Budget accounting and the no-progress detector: pure, so unit tests cover every rule.
import type { Run } from '../../protocol/runs';

/** Which budget is spent, if any. */
export function budgetExceeded(
  r: Pick<Run, 'turns_used' | 'max_turns' | 'tokens_used' | 'token_budget' | 'seconds_used' | 'max_seconds'>,
): 'max_turns' | 'token_budget' | 'max_seconds' | null {
  if (r.turns_used >= r.max_turns) return 'max_turns';
  if (r.tokens_used >= r.token_budget) return 'token_budget';
  if (r.seconds_used >= r.max_seconds) return 'max_seconds';
  return null;
}

/** Same answer as the previous turn (whitespace and case ignored): the run is going round in circles. */
export function noProgress(previous: string | undefined, next: string): boolean {
  const norm = (s: string) => s.replace(/\s+/g, ' ').trim().toLowerCase();
  return previous !== undefined && norm(previous) !== '' && norm(previous) === norm(next);
}
