// The real PhiOS transport: PhiOS is an MCP server over stdio (`phi-mcp`), so Agentora spawns it with the
// official SDK client. One child per bridge, started on first use, reused, started again on the next call after
// it dies, killed by close(). Context pack = three resources; writeback = the phi_store_deliberation tool.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../../../log';
import {
  type BridgeHealth,
  type ContextPackRequest,
  type MissionContextPacket,
  type Persona,
  type PhiosBridge,
  UpstreamError,
  type WritebackRequest,
  type WritebackResult,
} from '../types';
import { backoff, sleep } from '../upstream';
import { packetFromResources, personaFromRecommendation, topicForRepo } from './packet';
import { WRITE_DENIED_HINT, writebackResult } from './writeback';

export interface PhiosMcpStdioOptions {
  /** Executable, optionally followed by space-separated arguments. */
  command: string;
  args: string[];
  /** Extra environment for the child (on top of the SDK's safe defaults and the PHIOS_* variables we have). */
  env: Record<string, string>;
  /** Spawn + MCP initialize. */
  connectTimeoutMs: number;
  /** One resource read or tool call. */
  readTimeoutMs: number;
  retries: number;
  retryBaseMs: number;
  version?: string;
  log?: Logger;
}

const INSTALL_HINT =
  'Install PhiOS (`pip install phios`, which provides `phi-mcp`) or set agentora.phios.command (AGENTORA_PHIOS_COMMAND) to its MCP command.';

interface Connection {
  client: Client;
  transport: StdioClientTransport;
  closed: boolean;
}

export class PhiosMcpStdioBridge implements PhiosBridge {
  readonly transport = 'mcp-stdio' as const;
  /** The connection being opened or open (shared by concurrent first calls). */
  private conn: Promise<Connection> | null = null;
  /** The open connection, once the handshake is done. */
  private current: Connection | null = null;
  private stderrTail = '';
  private closing = false;

  constructor(private readonly opts: PhiosMcpStdioOptions) {}

  /** The child's pid while connected (for tests and logs). */
  get pid(): number | null {
    return this.current?.transport.pid ?? null;
  }

  private get argv(): { command: string; args: string[] } {
    const [command = '', ...inline] = this.opts.command.trim().split(/\s+/);
    return { command, args: [...inline, ...this.opts.args] };
  }

  async health(readTimeoutMs?: number): Promise<BridgeHealth> {
    const base = { name: 'phios' as const, transport: 'mcp-stdio', mock: false };
    const t0 = Date.now();
    try {
      const c = await this.connect();
      const { tools } = await c.client.listTools(undefined, { timeout: readTimeoutMs ?? this.opts.readTimeoutMs });
      const hasTool = tools.some((t) => t.name === 'phi_store_deliberation');
      return {
        ...base,
        ok: hasTool,
        detail: hasTool
          ? `PhiOS MCP server \`${this.opts.command}\` answers (${tools.length} tools)`
          : `\`${this.opts.command}\` answers but has no phi_store_deliberation tool`,
        fix_hint: hasTool ? '' : 'Upgrade PhiOS to a version with agent memory (phi_store_deliberation).',
        latency_ms: Date.now() - t0,
      };
    } catch (err) {
      const e = this.toUpstream(err, 'health check');
      return { ...base, ok: false, detail: e.message, fix_hint: e.fix_hint, latency_ms: null };
    }
  }

  async contextPack(req: ContextPackRequest): Promise<MissionContextPacket> {
    const topic = topicForRepo(req.repo);
    return this.withRetry('context pack', async (c) => {
      const [session, recommendation, memory] = await Promise.all([
        this.readJson(c, 'phios://sessions/current'),
        this.readJson(c, 'phios://cognition/recommendation'),
        // The topic holds a `/` (owner/repo): encoded so it stays one segment of the URI template.
        this.readJson(c, `phios://agents/memory/${encodeURIComponent(topic)}`),
      ]);
      return packetFromResources({ session, recommendation, memory, topic }, req);
    });
  }

  /** Never retried: a second call would store the deliberation twice. */
  async writeback(req: WritebackRequest): Promise<WritebackResult> {
    const c = await this.connect().catch((err) => {
      throw this.toUpstream(err, 'writeback');
    });
    const args = {
      topic: topicForRepo(req.repo),
      positions: [],
      outcome: req.summary,
      winning_figure: req.persona_name,
      coherence_trace: [],
      tags: req.tags,
      ...(req.run_id ? { run_id: req.run_id } : {}),
      recommendation: { pr_url: req.pr_url, branch: req.branch, outcome_status: req.outcome_status },
    };
    try {
      const res = await c.client.callTool({ name: 'phi_store_deliberation', arguments: args }, undefined, { timeout: this.opts.readTimeoutMs });
      return writebackResult(toolPayload(res as { structuredContent?: unknown; content?: unknown }), !!res.isError);
    } catch (err) {
      const e = this.toUpstream(err, 'writeback');
      if (e.kind === 'denied')
        return { ok: false, ref: null, error_code: 'AGENT_MEMORY_WRITE_NOT_PERMITTED', message: e.message, fix_hint: WRITE_DENIED_HINT };
      throw e;
    }
  }

  async persona(id: string): Promise<Persona | null> {
    const rec = await this.withRetry('persona', (c) => this.readJson(c, 'phios://cognition/recommendation'));
    const p = personaFromRecommendation(rec);
    if (!p) return null;
    // PhiOS recommends one figure; it answers for its own id or name, and for the "current"/"default" persona.
    const want = id.trim().toLowerCase();
    return [p.id.toLowerCase(), p.name.toLowerCase(), 'default', 'current', 'recommended', ''].includes(want) ? p : null;
  }

  async close(): Promise<void> {
    const pending = this.conn;
    this.conn = null;
    this.current = null;
    if (!pending) return;
    this.closing = true;
    try {
      const c = await pending.catch(() => null);
      if (c) await c.client.close().catch(() => {});
    } finally {
      this.closing = false;
    }
  }

  // ---------- connection ----------

  private connect(): Promise<Connection> {
    if (this.conn) return this.conn;
    const attempt = this.open();
    this.conn = attempt;
    attempt.catch(() => {
      if (this.conn === attempt) this.conn = null;
    });
    return attempt;
  }

  private async open(): Promise<Connection> {
    const { command, args } = this.argv;
    if (!command) throw new UpstreamError('phios', 'refused', 'no PhiOS command configured', INSTALL_HINT);
    const transport = new StdioClientTransport({ command, args, env: childEnv(this.opts.env), stderr: 'pipe' });
    this.stderrTail = '';
    transport.stderr?.on('data', (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString('utf8')).slice(-2000);
    });
    const client = new Client({ name: 'agentora', version: this.opts.version ?? '0' });
    const conn: Connection = { client, transport, closed: false };
    client.onclose = () => {
      conn.closed = true;
      // The child died (or we closed it): the next call starts a new one.
      if (this.current === conn) {
        this.current = null;
        this.conn = null;
        if (!this.closing) this.opts.log?.warn(`PhiOS MCP server exited${this.stderrTail ? `: ${lastLine(this.stderrTail)}` : ''}`);
      }
    };
    client.onerror = (err) => this.opts.log?.debug(`PhiOS MCP transport: ${err.message}`);
    const ms = this.opts.connectTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        client.connect(transport, { timeout: ms }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new McpError(ErrorCode.RequestTimeout, 'connect')), ms);
        }),
      ]);
    } catch (err) {
      // Not awaited: the SDK gives a wedged child 2 s after stdin closes before SIGTERM; the error need not wait.
      void transport.close().catch(() => {});
      throw this.toUpstream(err, 'start', true);
    } finally {
      clearTimeout(timer);
    }
    this.current = conn;
    return conn;
  }

  private async readJson(c: Connection, uri: string): Promise<unknown> {
    try {
      const res = await c.client.readResource({ uri }, { timeout: this.opts.readTimeoutMs });
      const first = res.contents[0];
      const text = first && 'text' in first ? first.text : undefined;
      if (typeof text !== 'string') return null;
      try {
        return JSON.parse(text);
      } catch {
        return { text }; // lenient: keep a non-JSON resource as text
      }
    } catch (err) {
      // A resource PhiOS does not have (older version, empty topic) is missing context, not a failed mission.
      if (err instanceof McpError && (err.code === ErrorCode.InvalidParams || err.code === -32002 || err.code === ErrorCode.MethodNotFound))
        return null;
      throw err;
    }
  }

  private async withRetry<T>(what: string, fn: (c: Connection) => Promise<T>): Promise<T> {
    let last: UpstreamError | null = null;
    for (let i = 0; i <= this.opts.retries; i++) {
      if (i > 0) await sleep(backoff(this.opts.retryBaseMs, i));
      try {
        return await fn(await this.connect());
      } catch (err) {
        last = this.toUpstream(err, what);
        if (last.kind === 'refused' || last.kind === 'denied' || last.kind === 'bad_reply') break; // retrying will not help
        // A timeout may leave the child wedged: drop it so the retry starts a fresh one.
        if (last.kind === 'timeout') await this.dropConnection();
      }
    }
    throw last!;
  }

  private async dropConnection(): Promise<void> {
    const c = this.current;
    this.current = null;
    this.conn = null;
    if (c) void c.client.close().catch(() => {}); // in the background, like above: the retry starts a new child now
  }

  private toUpstream(err: unknown, what: string, starting = false): UpstreamError {
    if (err instanceof UpstreamError) return err;
    const e = err as Error & { code?: string | number };
    const cmd = this.opts.command;
    if (e.code === 'ENOENT' || e.code === 'EACCES') {
      return new UpstreamError('phios', 'refused', `cannot start the PhiOS MCP server \`${cmd}\` (${e.code})`, INSTALL_HINT);
    }
    if (e instanceof McpError && e.code === ErrorCode.RequestTimeout) {
      return starting
        ? new UpstreamError(
            'phios',
            'timeout',
            `PhiOS MCP server \`${cmd}\` did not finish starting within ${this.opts.connectTimeoutMs} ms (connect timeout)`,
            'PhiOS is slow to start: raise AGENTORA_PHIOS_CONNECT_TIMEOUT_SECONDS, or run the command by hand to see what it waits for.',
          )
        : new UpstreamError(
            'phios',
            'timeout',
            `PhiOS ${what}: no answer within ${this.opts.readTimeoutMs} ms (read timeout)`,
            'PhiOS is up but slow: raise AGENTORA_PHIOS_TIMEOUT_SECONDS.',
          );
    }
    if (e instanceof McpError && e.code === ErrorCode.ConnectionClosed) {
      const why = this.stderrTail ? `: ${lastLine(this.stderrTail)}` : '';
      return new UpstreamError(
        'phios',
        'failed',
        `PhiOS MCP server \`${cmd}\` exited during ${what}${why}`,
        `Run \`${cmd}\` by hand to see why it stops; Agentora starts it again on the next call.`,
      );
    }
    if (/AGENT_MEMORY_WRITE_NOT_PERMITTED/.test(e.message ?? '')) {
      return new UpstreamError('phios', 'denied', e.message, WRITE_DENIED_HINT);
    }
    return new UpstreamError('phios', 'failed', `PhiOS ${what} failed: ${e.message ?? String(err)}`, 'See the server log and the PhiOS output.');
  }
}

/** The tool result as an object: structuredContent when given, else the JSON in the first text block. */
function toolPayload(res: { structuredContent?: unknown; content?: unknown }): unknown {
  const sc = res.structuredContent as Record<string, unknown> | undefined;
  if (sc && typeof sc === 'object') return 'ok' in sc || !('result' in sc) ? sc : sc.result;
  const blocks = Array.isArray(res.content) ? (res.content as { type?: string; text?: string }[]) : [];
  const text = blocks.find((b) => b.type === 'text' && typeof b.text === 'string')?.text ?? '';
  try {
    return JSON.parse(text);
  } catch {
    return { text };
  }
}

function childEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  // PhiOS is configured through PHIOS_* variables (capabilities, profile, data dir): pass ours through. Nothing
  // else of our environment (which may hold API keys) reaches the child beyond the SDK's safe defaults.
  for (const [k, v] of Object.entries(process.env)) if (k.startsWith('PHIOS_') && v !== undefined) env[k] = v;
  return { ...env, ...extra };
}

const lastLine = (s: string) => s.trim().split('\n').pop()?.slice(0, 300) ?? '';
