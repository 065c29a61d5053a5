// The workflow engine: one driver per run, woken by `kick`. A driver re-reads the committed state, does ONE
// transition of the current step, commits it, and loops — so a kill -9 at any point leaves a state the next
// driver continues from. Auto mode cannot loop: attempts are bounded by max_retries, then on_failure decides
// (stop → run failed). The parts, one job each:
//   wake.ts        waking drivers (kick, retry timers, queue changes, resume after a restart in slices)
//   drive.ts       the driver loop and one transition of the current step
//   attempt.ts     executing one attempt of a step (or continuing one a restart interrupted)
//   gates.ts       steps waiting on the actions queue (approval gates, actions the policy asks about)
//   outcomes.ts    committing an attempt's outcome (done, retry with backoff, on_failure)
//   engineState.ts the in-memory state per server, run-change notifications
export { kick, startEngine, stopEngine } from './wake';
export { abortInFlight, engineOf, notify } from './engineState';
export { denyPending } from './gates';
