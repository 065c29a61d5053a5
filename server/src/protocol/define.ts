// The single contract. Every operation is declared once here — its JSON-RPC method name, zod params and result
// schemas, and (optionally) the REST route of the HTTP API that reaches it. Server, extension and webviews
// import these declarations; nothing re-declares them. Types come from z.infer.
import { z } from 'zod';

export type HttpVerb = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * The earlier product's JSON shape of a REST answer (`../shared/brief/wire-shapes.md`). Declared once, on the
 * route, so REST keeps the shape scripts read while JSON-RPC / MCP keep the service result. The REST adapter
 * applies it; the wire drift test checks every served route's answer against `schema`.
 */
// `any` defaults: a route's wire shape is typed per method by `defineMethod` (RestRoute<z.output<R>, …>).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface WireShape<R = any, P = any> {
  /** zod schema of the wire answer (extra fields allowed: use loose objects). */
  schema: z.ZodType;
  /** Service result → wire answer (default: the result as it is). */
  toWire?: (result: R, params: P) => unknown;
  /** Legacy request body/query → service params, before validation (e.g. `requested_worker: false`). */
  fromWire?: (input: Record<string, unknown>) => Record<string, unknown>;
  /** Extra response headers, e.g. `X-Total-Count` for routes that answer a bare array. */
  headers?: (result: R, params: P) => Record<string, string>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface RestRoute<R = any, P = any> {
  verb: HttpVerb;
  /** Fastify-style path, e.g. `/api/memory/capsules/:capsule_id`. Path params are merged into the params object. */
  path: string;
  /** HTTP status on success (default 200). */
  status?: number;
  /** The wire shape of the answer (required for every route of http-api.md; see WireShape). */
  wire?: WireShape<R, P>;
  /**
   * The body reaches the service's `restRaw` handler as raw bytes, up to this many (instead of being parsed as JSON
   * on the event loop under the server's 10 MB limit): for big uploads the service parses off the loop.
   */
  rawBodyLimit?: number;
}

/** Typed helper so `toWire` sees the method's result type: `rest: route(Result, Params, {...})`. */
export function wire<R extends z.ZodType, P extends z.ZodType = z.ZodType>(
  _result: R,
  shape: WireShape<z.output<R>, z.output<P>>,
): WireShape<z.output<R>, z.output<P>> {
  return shape;
}

/**
 * Who may call a method, by door and credential:
 * - `editor`: only the VS Code connection (never `/rpc`, REST or MCP) — e.g. setting workspace folders;
 * - `operator`: the editor, and HTTP with the operator credential (approve, rules, settings, integrations);
 * - `agent`: also HTTP with an agent credential (propose actions, read own results, memory, missions as scoped);
 * - `worker`: the operator, and a worker token (`agentora worker`) — which reaches nothing else.
 */
export type MethodScope = 'editor' | 'operator' | 'agent' | 'worker';

export interface MethodSpec<P extends z.ZodType, R extends z.ZodType> {
  /** `agentora/<area>/<verb>` — never the reserved `$/` prefix. */
  method: string;
  description: string;
  params: P;
  result: R;
  rest?: RestRoute<z.output<R>, z.output<P>> | RestRoute<z.output<R>, z.output<P>>[];
  /** Who may call it (default `operator`). */
  scope?: MethodScope;
  /** Read-only operations may be exposed to read-only MCP clients and are safe to retry. */
  readOnly?: boolean;
}

export type AnyMethod = MethodSpec<z.ZodType, z.ZodType>;
export type ParamsOf<M extends AnyMethod> = z.input<M['params']>;
export type ParsedParamsOf<M extends AnyMethod> = z.output<M['params']>;
export type ResultOf<M extends AnyMethod> = z.output<M['result']>;

const METHOD_NAME = /^agentora\/[a-z][a-zA-Z]*\/[a-z][a-zA-Z]*$/;
const NOTIFICATION_NAME = /^agentora\/[a-z][a-zA-Z]*\/did[A-Z][a-zA-Z]*$/;

export function defineMethod<P extends z.ZodType, R extends z.ZodType>(spec: MethodSpec<P, R>): MethodSpec<P, R> {
  if (!METHOD_NAME.test(spec.method)) throw new Error(`bad method name ${spec.method}`);
  return spec;
}

export interface NotificationSpec<T extends z.ZodType> {
  /** `agentora/<area>/did<Event>` */
  name: string;
  description: string;
  payload: T;
  /**
   * Emitted per streamed token (hundreds a second): the event bus does not re-parse its payload at each emit
   * (~10–20 µs each, a tenth of a token's whole cost). Its emitter must build the payload from typed values only,
   * and a test checks the emitted payloads against `payload`.
   */
  hot?: boolean;
}
export type AnyNotification = NotificationSpec<z.ZodType>;
/** The payload type of a notification declaration: `PayloadOf<Notifications[K]>`. */
export type PayloadOf<N extends AnyNotification> = z.output<N['payload']>;

export function defineNotification<T extends z.ZodType>(spec: NotificationSpec<T>): NotificationSpec<T> {
  if (!NOTIFICATION_NAME.test(spec.name)) throw new Error(`bad notification name ${spec.name}`);
  return spec;
}

// ---- schema helpers for values that may arrive as query-string text (REST GET) or as JSON (RPC, bodies) ----

/** A boolean that also accepts "true"/"false"/"1"/"0" (z.coerce.boolean would turn "false" into true). */
export const zBool = z.preprocess((v) => {
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(s)) return true;
    if (['false', '0', 'no', 'off', ''].includes(s)) return false;
  }
  return v;
}, z.boolean());

/** An integer that also accepts its decimal text. */
export const zInt = z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)) ? Number(v) : v), z.number().int());
/** A number that also accepts its decimal text. */
export const zNum = z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)) ? Number(v) : v), z.number());

/** Standard pagination: `limit` (1..max, default) and `offset` (≥ 0). */
export function pagination(defaultLimit = 50, maxLimit = 500) {
  return {
    limit: zInt.pipe(z.number().int().min(1).max(maxLimit)).default(defaultLimit),
    offset: zInt.pipe(z.number().int().min(0)).default(0),
  };
}

/** Params for operations that take none. Unknown keys are ignored so REST query noise does not 400. */
export const NoParams = z.object({}).default({});
