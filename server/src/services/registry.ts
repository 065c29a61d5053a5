// Binds protocol declarations to service functions and runs them with validation on both sides. Every transport
// (language server, JSON-RPC over HTTP, REST, MCP) calls `registry.call` — so validation, errors and logging are
// identical whichever way a request arrives.
import type { z } from 'zod';
import { AppError, badInput, type AnyMethod, type ParsedParamsOf, type ResultOf } from '../protocol';
import type { CallInfo, ServerContext } from '../context';
import { writeTurn } from '../store/immediate';

export type Handler<M extends AnyMethod> = (params: ParsedParamsOf<M>, ctx: ServerContext, call: CallInfo) => Promise<ResultOf<M>> | ResultOf<M>;

export type StreamHandler<M extends AnyMethod> = (params: ParsedParamsOf<M>, ctx: ServerContext, call: CallInfo) => AsyncIterable<string>;

export interface Implementation {
  spec: AnyMethod;
  handler: Handler<AnyMethod>;
  /**
   * The REST answer written as it is produced (text chunks of the wire JSON) instead of one result object: for
   * answers too big to hold (a 10k-mission export). The other doors still call `handler`.
   */
  restStream?: StreamHandler<AnyMethod>;
  /** The REST call with the raw body (routes declaring `rawBodyLimit`): parses and validates it itself. */
  restRaw?: RawHandler;
  /**
   * The REST answer as ready JSON text of the route's wire shape (a route without toWire / headers), e.g. a cached
   * analytic kept serialized: sent as it is, with no result validation nor serialization per request — the
   * service made the text from a result it validated once. null: answer through `handler` as usual. The other
   * doors always call `handler`.
   */
  restJson?: JsonHandler<AnyMethod>;
}

/** A ready JSON answer: text, or its UTF-8 bytes (sent as they are: no re-encoding, no length scan). */
export type JsonHandler<M extends AnyMethod> = (params: ParsedParamsOf<M>, ctx: ServerContext, call: CallInfo) => string | Buffer | null;

/** A method whose REST answer may come as ready JSON text (`restJson`); the other doors use `handler`. */
export function implementJson<M extends AnyMethod>(spec: M, handler: Handler<M>, restJson: JsonHandler<M>): Implementation {
  return { ...implement(spec, handler), restJson: restJson as unknown as JsonHandler<AnyMethod> };
}

export type RawHandler = (body: Buffer, ctx: ServerContext, call: CallInfo) => Promise<unknown>;

/** A method whose REST route takes its body as raw bytes (`rest.rawBodyLimit`); the other doors use `handler`. */
export function implementRaw<M extends AnyMethod>(spec: M, handler: Handler<M>, restRaw: RawHandler): Implementation {
  return { ...implement(spec, handler), restRaw };
}

export function implement<M extends AnyMethod>(spec: M, handler: Handler<M>, restStream?: StreamHandler<M>): Implementation {
  return { spec, handler: handler as unknown as Handler<AnyMethod>, restStream: restStream as unknown as StreamHandler<AnyMethod> | undefined };
}

export class ServiceRegistry {
  private readonly byMethod = new Map<string, Implementation>();

  constructor(
    private readonly ctx: ServerContext,
    impls: readonly Implementation[],
  ) {
    for (const impl of impls) {
      if (this.byMethod.has(impl.spec.method)) throw new Error(`method implemented twice: ${impl.spec.method}`);
      this.byMethod.set(impl.spec.method, impl);
    }
  }

  methods(): Implementation[] {
    return [...this.byMethod.values()];
  }

  /** The declaration of an implemented method. */
  spec(method: string): AnyMethod | undefined {
    return this.byMethod.get(method)?.spec;
  }

  has(method: string): boolean {
    return this.byMethod.has(method);
  }

  /** A method's streamed REST answer, after the same parameter validation as `call` (null: it has none). */
  stream(method: string, rawParams: unknown, call: CallInfo): AsyncIterable<string> | null {
    const impl = this.byMethod.get(method);
    if (!impl?.restStream) return null;
    const parsed = (impl.spec.params as z.ZodType).safeParse(rawParams ?? undefined);
    if (!parsed.success) throw badInput(parsed.error);
    return impl.restStream(parsed.data, this.ctx, call);
  }

  /** A method's ready JSON REST answer (restJson) after the same parameter validation as `call`; null: none. */
  json(method: string, rawParams: unknown, call: CallInfo): string | Buffer | null {
    const impl = this.byMethod.get(method);
    if (!impl?.restJson) return null;
    const parsed = (impl.spec.params as z.ZodType).safeParse(rawParams ?? undefined);
    if (!parsed.success) throw badInput(parsed.error);
    try {
      return impl.restJson(parsed.data, this.ctx, call);
    } catch (err) {
      if (err instanceof AppError) throw err;
      this.ctx.log.error(`${method} failed`, err);
      throw new AppError('internal', `${method} failed: ${(err as Error)?.message ?? String(err)}`);
    }
  }

  /** A method's REST call with its raw body; the result is checked against the declared schema like `call`'s. */
  async callRaw(method: string, body: Buffer, call: CallInfo): Promise<unknown> {
    const impl = this.byMethod.get(method);
    if (!impl?.restRaw) throw new AppError('internal', `${method} takes no raw body`);
    const result = await impl.restRaw(body, this.ctx, call);
    const out = (impl.spec.result as z.ZodType).safeParse(result);
    if (!out.success) {
      this.ctx.log.error(`${method} returned a result that does not match its schema`, out.error.issues);
      throw new AppError('internal', `${method} produced an invalid result`);
    }
    return out.data;
  }

  async call(method: string, rawParams: unknown, call: CallInfo): Promise<unknown> {
    const impl = this.byMethod.get(method);
    if (!impl) throw new AppError('not_found', `Unknown method '${method}'`);
    const parsed = (impl.spec.params as z.ZodType).safeParse(rawParams ?? undefined);
    if (!parsed.success) throw badInput(parsed.error);
    let result: unknown;
    // A call that may write waits off the event loop for a background writer's transaction in progress
    // (store/immediate.ts): its synchronous part then finds the write lock free.
    const turn = impl.spec.readOnly ? null : writeTurn(this.ctx.db);
    try {
      if (turn) await turn.ready;
      let pending: unknown;
      try {
        pending = impl.handler(parsed.data, this.ctx, call);
      } finally {
        turn?.release();
      }
      result = await pending;
    } catch (err) {
      if (err instanceof AppError) throw err;
      this.ctx.log.error(`${method} failed`, err);
      throw new AppError('internal', `${method} failed: ${(err as Error)?.message ?? String(err)}`);
    }
    // Results are checked too: a service that drifts from its declared contract is a bug we want to see at once.
    const out = (impl.spec.result as z.ZodType).safeParse(result);
    if (!out.success) {
      this.ctx.log.error(`${method} returned a result that does not match its schema`, out.error.issues);
      throw new AppError('internal', `${method} produced an invalid result`);
    }
    return out.data;
  }
}
