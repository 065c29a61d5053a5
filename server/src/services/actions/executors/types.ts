import type { ServerContext } from '../../../context';
import type { Evaluation } from '../policy';

/** Thrown by an executor when the action ran (or tried to) and failed: recorded as status `failed`. */
export class ExecutionFailed extends Error {
  constructor(
    message: string,
    readonly result: unknown = null,
  ) {
    super(message);
  }
}

export interface ExecOptions {
  /** Roots and blocked roots, to verify descriptors against at the moment of use. */
  guard: { roots: readonly string[]; blockedRoots: readonly string[] };
  timeoutMs: number;
  outputCap: number;
  browserExecutable: string | null;
}

export type Executor = (ev: Evaluation, ctx: ServerContext, opts: ExecOptions) => Promise<unknown>;
