// Error vocabulary shared by all transports. Services throw AppError; each adapter maps it:
// REST → HTTP status + `{ok:false, error, message, issues?}`, JSON-RPC → `{code, message, data}`.
import type { z } from 'zod';

export type ErrorKind = 'bad_request' | 'unauthorized' | 'forbidden' | 'not_found' | 'conflict' | 'unavailable' | 'internal';

export const HTTP_STATUS: Record<ErrorKind, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unavailable: 503,
  internal: 500,
};

/** JSON-RPC error codes. -32602 is the standard "invalid params"; the rest are in the server-defined range. */
export const RPC_CODE: Record<ErrorKind, number> = {
  bad_request: -32602,
  unauthorized: -32001,
  forbidden: -32003,
  not_found: -32004,
  conflict: -32009,
  unavailable: -32010,
  internal: -32603,
};

export interface FieldIssue {
  /** Dotted path of the offending field, e.g. `specs.0.preset`; empty for the whole body. */
  path: string;
  message: string;
}

export interface ErrorBody {
  ok: false;
  error: ErrorKind;
  message: string;
  /** The message again under the name the earlier (FastAPI) product used, so its clients can read it. */
  detail: string;
  issues?: FieldIssue[];
  fix_hint?: string;
}

export class AppError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly issues?: FieldIssue[],
    readonly fixHint?: string,
  ) {
    super(message);
    this.name = 'AppError';
  }

  toBody(): ErrorBody {
    return {
      ok: false,
      error: this.kind,
      message: this.message,
      detail: this.message,
      ...(this.issues ? { issues: this.issues } : {}),
      ...(this.fixHint ? { fix_hint: this.fixHint } : {}),
    };
  }

  static fromRpc(code: number, message: string, data: unknown): AppError {
    const kind = (Object.entries(RPC_CODE).find(([, c]) => c === code)?.[0] ?? 'internal') as ErrorKind;
    const body = (data ?? {}) as Partial<ErrorBody>;
    return new AppError(kind, message, body.issues, body.fix_hint);
  }
}

export const notFound = (what: string, id: string | number) => new AppError('not_found', `${what} '${id}' not found`);
export const conflict = (message: string) => new AppError('conflict', message);

/** Turn zod issues into a field-by-field error whose message names every field. */
export function badInput(error: z.ZodError, where = 'params'): AppError {
  const issues: FieldIssue[] = error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  const summary = issues.map((i) => `${i.path || where}: ${i.message}`).join('; ');
  return new AppError('bad_request', `Invalid ${where}: ${summary}`, issues);
}
