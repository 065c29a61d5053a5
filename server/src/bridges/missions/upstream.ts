// The one HTTP client for PhiOS-http and AgentCeption: every outbound call of the mission bridges goes through
// here, so they share the same guards (security.md: scheme check, timeouts, size cap, no redirects) and the same
// translation of failures into UpstreamError.
//
// Why node:http and not fetch: fetch (undici) only offers one AbortSignal for the whole call, so a dead host
// and a slow answer look the same. With node:http we see the socket: a *connect timer* runs from the request
// until the socket's `connect` event (skipped when a kept-alive socket is reused), then a *read timer* runs from
// there until the last byte of the body. Each timer destroys the request with its own error, so the operator is
// told "could not connect in 5 s" or "connected but no answer in 45 s" — different fixes.
import http from 'node:http';
import https from 'node:https';
import { UpstreamError } from './types';

export type UpstreamSystem = UpstreamError['system'];

export interface UpstreamOptions {
  system: UpstreamSystem;
  baseUrl: string;
  /** Sent as `Authorization: Bearer <key>` when non-empty. */
  apiKey?: string;
  connectTimeoutMs: number;
  readTimeoutMs: number;
  /** Extra attempts for calls marked `retry` (idempotent reads). */
  retries: number;
  /** First backoff delay; doubles per retry, plus up to 50 % jitter. */
  retryBaseMs: number;
  /** Largest body accepted (bytes). */
  maxBytes?: number;
  /** What the operator does when the service is not there (names the setting to fix). */
  refusedHint: string;
  /** What the operator does on 401/403. */
  unauthorizedHint: string;
}

export interface UpstreamReply {
  status: number;
  text: string;
  /** Attempts made (1 + retries used), for logs and tests. */
  attempts: number;
  latencyMs: number;
}

export interface SendOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Retry refused / timeout / reset / 5xx / 429 with backoff. Only for idempotent reads. */
  retry?: boolean;
  /** Per-call read timeout (ms), e.g. a shorter one for health checks. */
  readTimeoutMs?: number;
}

const DEFAULT_MAX_BYTES = 8 * 1024 * 1024;
/** Pooled keep-alive sockets per upstream; more concurrent reads wait in the agent's queue. */
const MAX_SOCKETS = 32;

class TimeoutError extends Error {
  constructor(readonly phase: 'queue' | 'connect' | 'read', readonly ms: number) {
    super(
      phase === 'connect' ? `could not connect within ${ms} ms (connect timeout)`
        : phase === 'queue' ? `no free connection within ${ms} ms (all ${MAX_SOCKETS} busy with slow answers)`
          : `no complete answer within ${ms} ms (read timeout)`,
    );
  }
}

export class Upstream {
  readonly base: URL;
  /** Keep-alive sockets for retried reads: a watcher cycle over many runs reuses sockets instead of opening one
   * per call. Calls that are not retried (launch, writeback, cancel) get a fresh socket, so a kept-alive socket
   * the server just closed can never fail a launch. Per instance (not module state), released by close(). */
  private readonly keepAlive: http.Agent;
  private readonly fresh: http.Agent;

  constructor(readonly opts: UpstreamOptions) {
    this.base = new URL(opts.baseUrl.endsWith('/') ? opts.baseUrl : opts.baseUrl + '/');
    if (this.base.protocol !== 'http:' && this.base.protocol !== 'https:') {
      throw new UpstreamError(opts.system, 'failed', `${opts.baseUrl} is not an http(s) URL`, opts.refusedHint);
    }
    const Agent = this.base.protocol === 'https:' ? https.Agent : http.Agent;
    this.keepAlive = new Agent({ keepAlive: true, maxSockets: MAX_SOCKETS });
    this.fresh = new Agent({ keepAlive: false });
  }

  /** Drops pooled sockets. */
  close(): void {
    this.keepAlive.destroy();
    this.fresh.destroy();
  }

  /** Sends one request, retrying idempotent ones. HTTP error statuses are returned, not thrown (see `fail`). */
  async send(method: string, path: string, o: SendOptions = {}): Promise<UpstreamReply> {
    const attempts = o.retry ? this.opts.retries + 1 : 1;
    const started = Date.now();
    let last: unknown;
    for (let i = 0; i < attempts; i++) {
      if (i > 0) await sleep(backoff(this.opts.retryBaseMs, i));
      try {
        const r = await this.once(method, path, o);
        if (i < attempts - 1 && (r.status >= 500 || r.status === 429)) {
          last = this.statusError(r.status, r.text, method, path);
          continue;
        }
        return { ...r, attempts: i + 1, latencyMs: Date.now() - started };
      } catch (err) {
        last = err;
        if (!(err instanceof UpstreamError) || !['refused', 'timeout', 'failed'].includes(err.kind)) break;
      }
    }
    if (last instanceof UpstreamError) throw last;
    throw new UpstreamError(this.opts.system, 'failed', `${method} ${path}: ${(last as Error)?.message ?? 'failed'}`, this.opts.refusedHint);
  }

  /** Sends and parses a JSON answer; any status outside `ok` becomes an UpstreamError. */
  async json(method: string, path: string, o: SendOptions & { ok?: number[] } = {}): Promise<{ status: number; data: unknown }> {
    const r = await this.send(method, path, o);
    if (!(o.ok ?? [200, 201, 202]).includes(r.status)) throw this.statusError(r.status, r.text, method, path);
    return { status: r.status, data: r.text ? this.parse(r.text, method, path) : null };
  }

  parse(text: string, method: string, path: string): unknown {
    try {
      return JSON.parse(text);
    } catch {
      throw this.badReply(`${method} ${path} answered something that is not JSON: ${preview(text)}`);
    }
  }

  badReply(message: string): UpstreamError {
    return new UpstreamError(this.opts.system, 'bad_reply', message, `The service at ${this.opts.baseUrl} does not speak the expected protocol: check the URL points at ${name(this.opts.system)} and its version.`);
  }

  /** The UpstreamError for an HTTP status, keeping the upstream's own words (e.g. AgentCeption's exact 401 body). */
  statusError(status: number, text: string, method: string, path: string): UpstreamError {
    const sys = this.opts.system;
    const said = detail(text);
    const what = `${name(sys)} ${method} ${path} → HTTP ${status}${said ? `: ${said}` : ''}`;
    if (status === 401 || status === 403) return new UpstreamError(sys, 'unauthorized', what, this.opts.unauthorizedHint, status);
    if (status === 404) return new UpstreamError(sys, 'not_found', what, `Check the id, and that ${this.opts.baseUrl} is ${name(sys)} (wrong URL or version?).`, status);
    if (status === 409) return new UpstreamError(sys, 'conflict', what, 'The run is not in a state that allows this; refresh it and retry if it still applies.', status);
    if (status === 422 || status === 400) return new UpstreamError(sys, 'failed', what, 'The request was rejected as invalid; this is a bug in the bridge or a version mismatch — see the server log.', status);
    if (status >= 300 && status < 400) return new UpstreamError(sys, 'failed', `${what} (redirects are not followed)`, `Point the URL setting at the final address of ${name(sys)}.`, status);
    return new UpstreamError(sys, 'failed', what, `${name(sys)} failed on its side; see its logs. Agentora will retry reads.`, status);
  }

  private once(method: string, path: string, o: SendOptions): Promise<{ status: number; text: string }> {
    const url = new URL(path.replace(/^\/+/, ''), this.base);
    const body = o.body === undefined ? undefined : Buffer.from(JSON.stringify(o.body));
    const headers: Record<string, string> = { accept: 'application/json', ...o.headers };
    if (body) headers['content-type'] = 'application/json';
    if (this.opts.apiKey) headers.authorization = `Bearer ${this.opts.apiKey}`;
    const mod = url.protocol === 'https:' ? https : http;
    const connectMs = this.opts.connectTimeoutMs;
    const readMs = o.readTimeoutMs ?? this.opts.readTimeoutMs;
    const maxBytes = this.opts.maxBytes ?? DEFAULT_MAX_BYTES;

    return new Promise((resolve, reject) => {
      let queueTimer: NodeJS.Timeout | undefined;
      let connectTimer: NodeJS.Timeout | undefined;
      let readTimer: NodeJS.Timeout | undefined;
      let settled = false;
      const clear = () => { clearTimeout(queueTimer); clearTimeout(connectTimer); clearTimeout(readTimer); };
      // Once the response has started, a destroyed request reports on the response (or only closes): every path
      // funnels into `fail` so the promise always settles exactly once.
      const fail = (err: Error & { code?: string }) => {
        if (settled) return;
        settled = true;
        clear();
        const e = this.networkError(err, url, readMs);
        // Connected, so the request may have reached the service before the answer was lost: a POST may have
        // taken effect (the caller of a launch must not simply say "try again").
        if (reading && (e.kind === 'timeout' || e.kind === 'failed')) e.maybeDelivered = true;
        reject(e);
      };
      let reading = false;
      const startRead = () => {
        reading = true;
        clearTimeout(connectTimer);
        readTimer = setTimeout(() => req.destroy(new TimeoutError('read', readMs)), readMs);
      };
      const req = mod.request(url, { method, headers, agent: o.retry ? this.keepAlive : this.fresh }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > maxBytes) {
            fail(new Error(`answer larger than ${maxBytes} bytes`));
            return req.destroy();
          }
          chunks.push(c);
        });
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clear();
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', fail);
        res.on('close', () => fail(Object.assign(new Error('connection closed in the middle of the answer'), { code: 'ECONNRESET' })));
      });
      // The connect timer starts when the request gets its socket, not before: with every pooled socket busy
      // (a watcher cycle against a slow AgentCeption) a request waits in the agent's queue, and that wait is
      // not a dead host. It is bounded on its own (by the read timeout: the queue moves as answers end).
      queueTimer = setTimeout(() => req.destroy(new TimeoutError('queue', readMs)), readMs);
      req.on('socket', (s) => {
        clearTimeout(queueTimer);
        if (!s.connecting) return startRead();
        connectTimer = setTimeout(() => req.destroy(new TimeoutError('connect', connectMs)), connectMs);
        s.once('connect', startRead);
      });
      req.on('error', fail);
      req.on('close', () => fail(Object.assign(new Error('connection closed before an answer'), { code: 'ECONNRESET' })));
      req.end(body);
    });
  }

  private networkError(err: Error & { code?: string }, url: URL, readMs: number): UpstreamError {
    const sys = this.opts.system;
    const at = `${name(sys)} at ${url.origin}`;
    if (err instanceof TimeoutError) {
      return new UpstreamError(sys, 'timeout', `${at}: ${err.message}`, err.phase === 'connect' ? this.opts.refusedHint : `${name(sys)} is up but slow (no complete answer in ${readMs} ms); raise its timeout setting if it is busy${err.phase === 'queue' ? ', or lower AGENTORA_MISSIONS_WATCHER_MAX_ACTIVE_RUNS' : ''}.`);
    }
    if (['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EADDRNOTAVAIL'].includes(err.code ?? '')) {
      return new UpstreamError(sys, 'refused', `${at} is not reachable (${err.code})`, this.opts.refusedHint);
    }
    if (/larger than/.test(err.message)) return this.badReply(`${at}: ${err.message}`);
    return new UpstreamError(sys, 'failed', `${at}: ${err.code ?? err.message}`, `The connection to ${name(sys)} broke; Agentora retries reads. Check its logs if it persists.`);
  }
}

export function backoff(baseMs: number, attempt: number): number {
  const d = baseMs * 2 ** (attempt - 1);
  return Math.round(d + Math.random() * d * 0.5);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function name(sys: UpstreamSystem): string {
  return sys === 'phios' ? 'PhiOS' : sys === 'webhook' ? 'the alert webhook' : 'AgentCeption';
}

/** The upstream's own message: FastAPI's `detail`, an `error`, or the raw text, shortened. */
function detail(text: string): string {
  try {
    const j = JSON.parse(text) as { detail?: unknown; error?: unknown; message?: unknown };
    const d = j?.detail ?? j?.error ?? j?.message;
    if (typeof d === 'string') return d;
    if (d !== undefined) return preview(JSON.stringify(d));
  } catch {
    /* not JSON: show it as text */
  }
  return preview(text);
}

export function preview(text: string, max = 200): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? t.slice(0, max) + '…' : t;
}
