// The real AgentCeption bridge (contracts/agentception.md): REST for launch / artifacts / cancel, MCP-over-HTTP
// (`POST /api/mcp`, JSON-RPC 2.0, no initialize) for status and events, `/api/agents/{id}` as the live fallback.
// Never calls `/api/dispatch/launch` (it only returns a prompt), never sends an Origin header to /api/mcp.
import type { z } from 'zod';
import { Upstream, type UpstreamOptions } from '../upstream';
import {
  type AgentceptionBridge,
  type Artifact,
  type BridgeHealth,
  type JobState,
  type LaunchKey,
  type LaunchRequest,
  type LaunchResult,
  type RunEvent,
  type RunStatus,
  TERMINAL_JOB_STATES,
  UpstreamError,
} from '../types';
import { isStaleStatus, mapStatus } from './status';
import { ContextShape, EventsShape } from './schemas';
import {
  AgentReply,
  CancelToolText,
  ContextResource,
  DispatchReply,
  DonePayload,
  EventsResource,
  FileWritten,
  MemoryReply,
  RawEvent,
  ReadResult,
  RpcEnvelope,
  RunList,
  type RunContext,
  ToolResult,
} from './schemas';

/** Label runs spawned this long before the recorded intent still count (clocks of two hosts differ a little). */
const CLOCK_SKEW_MS = 120_000;
/** At most this many pending/active runs are inspected when looking for a label launch. */
const MAX_LABEL_CANDIDATES = 200;

export type AgentceptionHttpOptions = Omit<UpstreamOptions, 'system' | 'refusedHint' | 'unauthorizedHint'>;

/** One of the two versions /api/mcp accepts. */
const MCP_PROTOCOL_VERSION = '2025-03-26';

export class AgentceptionHttpBridge implements AgentceptionBridge {
  readonly transport = 'http' as const;
  private readonly up: Upstream;
  private rpcId = 0;

  constructor(opts: AgentceptionHttpOptions) {
    this.up = new Upstream({
      ...opts,
      system: 'agentception',
      refusedHint: `Start AgentCeption (it listens on port 1337) or fix AGENTORA_AGENTCEPTION_URL (agentora.agentception.url), now ${opts.baseUrl}.`,
      unauthorizedHint:
        "AgentCeption runs with AC_API_KEY: put the same key in AGENTORA_AGENTCEPTION_API_KEY (in VS Code: 'Agentora: Set Secret' → agentception.apiKey).",
    });
  }

  async health(readTimeoutMs?: number): Promise<BridgeHealth> {
    const base = { name: 'agentception' as const, transport: 'http', mock: false };
    const t0 = Date.now();
    try {
      const { data } = await this.up.json('GET', '/health', { retry: true, readTimeoutMs });
      const status = (data as { status?: unknown } | null)?.status;
      // /health has no auth: probe one MCP read so a missing or wrong API key shows here, not at launch.
      await this.rpc('resources/read', { uri: 'ac://runs/active' }, true, readTimeoutMs);
      return {
        ...base,
        ok: true,
        detail: `AgentCeption at ${this.up.opts.baseUrl} answers (status ${String(status ?? '?')}), API access ok`,
        fix_hint: '',
        latency_ms: Date.now() - t0,
      };
    } catch (err) {
      const e = asUpstream(err);
      return { ...base, ok: false, detail: e.message, fix_hint: e.fix_hint, latency_ms: null };
    }
  }

  /** Never retried: a second POST could start a second agent. */
  async launch(req: LaunchRequest): Promise<LaunchResult> {
    try {
      return await this.dispatch(req);
    } catch (err) {
      const e = asUpstream(err);
      if (!e.maybeDelivered) throw e;
      // The dispatch was sent but its answer lost (read timeout, connection cut): AgentCeption may have created
      // the run anyway, and a blind relaunch would start a second agent on the same work.
      const what = req.mode === 'issue' ? `issue #${req.issue_number}` : `label ${req.label}`;
      throw new UpstreamError(
        'agentception',
        e.kind,
        `${e.message} — the dispatch was sent, AgentCeption may have started a run for ${what}`,
        `Check AgentCeption's active runs (its UI, or ac://runs/active) for ${what} before launching again; if AgentCeption is just busy, raise AGENTORA_AGENTCEPTION_TIMEOUT_SECONDS.`,
        e.status,
      );
    }
  }

  private async dispatch(req: LaunchRequest): Promise<LaunchResult> {
    if (req.mode === 'issue') {
      if (!Number.isInteger(req.issue_number))
        throw new UpstreamError(
          'agentception',
          'failed',
          'issue launch mode needs an issue number',
          'Give the mission an issue number, or set AGENTORA_AGENTCEPTION_LAUNCH_MODE=label.',
        );
      const { data } = await this.up.json('POST', '/api/dispatch/issue', {
        body: { issue_number: req.issue_number, issue_title: req.issue_title, issue_body: req.issue_body, role: req.role, repo: req.repo },
      });
      return this.launched(data, 'implementing');
    }
    const label = req.label?.trim();
    if (!label)
      throw new UpstreamError(
        'agentception',
        'failed',
        'label launch mode needs a label',
        'Set AGENTORA_AGENTCEPTION_LABEL (agentora.agentception.label).',
      );
    const scoped = Number.isInteger(req.issue_number);
    const { data } = await this.up.json('POST', '/api/dispatch/label', {
      body: {
        label,
        scope: scoped ? 'issue' : 'full_initiative',
        ...(scoped ? { scope_issue_number: req.issue_number } : {}),
        role: req.role,
        repo: req.repo,
        cascade_enabled: true,
      },
    });
    const pending = this.launched(data, 'pending_launch');
    // The label dispatch only creates the run; /execute starts it. If that fails the run still exists, so the
    // result carries its id (never a lost run) plus a warning, and the caller sees it queued.
    try {
      await this.up.json('POST', `/api/runs/${enc(pending.run_id)}/execute`, { ok: [200, 202] });
      return { ...pending, raw_status: 'implementing', state: 'running' };
    } catch (err) {
      const e = asUpstream(err);
      return { ...pending, warning: `run ${pending.run_id} was created but did not start: ${e.message}. ${e.fix_hint}` };
    }
  }

  async status(runId: string, opts: { after_event_id?: number } = {}): Promise<RunStatus> {
    const after = Math.max(0, Math.trunc(opts.after_event_id ?? 0));
    const [ctxRes, evRes] = await Promise.allSettled([this.readContext(runId), this.readEvents(runId, after)]);
    if (ctxRes.status === 'rejected' && asUpstream(ctxRes.reason).kind === 'unauthorized') throw ctxRes.reason;
    const events = evRes.status === 'fulfilled' ? evRes.value : [];
    const ctx = ctxRes.status === 'fulfilled' ? ctxRes.value : null;
    // With a context but no events we could call a run finished without its done event (PR URL, summary, the
    // legacy `done` verdict): better to fail this refresh and let the next one try again.
    if (ctx && evRes.status === 'rejected') throw asUpstream(evRes.reason);

    if (!ctx) {
      // MCP could not tell us: ask the live-agent route. 404 there means "not live", and with no context either
      // the run is unknown to AgentCeption.
      let agent: Awaited<ReturnType<typeof this.readAgent>>;
      try {
        agent = await this.readAgent(runId);
      } catch (err) {
        // Both doors failed: the MCP answer is the primary one, so its error (e.g. a wrong shape) is the one shown.
        if (ctxRes.status === 'rejected' && asUpstream(ctxRes.reason).kind !== 'not_found') throw asUpstream(ctxRes.reason);
        throw err;
      }
      if (!agent) {
        const why = ctxRes.status === 'rejected' ? asUpstream(ctxRes.reason) : null;
        if (why && why.kind !== 'not_found') throw why;
        throw new UpstreamError(
          'agentception',
          'not_found',
          `AgentCeption does not know run ${runId}`,
          'The run may have been deleted on the AgentCeption side; relaunch the mission.',
          404,
        );
      }
      return this.build(
        runId,
        { status: agent.status, branch: agent.branch, gh_repo: agent.gh_repo, pr_number: agent.pr_number, issue_number: agent.issue_number },
        events,
        true,
      );
    }

    let done = lastDone(events);
    const raw = (ctx.status ?? '').toLowerCase();
    if (!done && after > 0 && (raw === 'done' || raw === 'completed')) {
      // The done event may be older than the window asked for; it decides the legacy `done` and holds the PR URL.
      done = lastDone(await this.readEvents(runId, 0).catch(() => []));
    }
    const state = this.stateOf(ctx, done);
    return this.build(runId, ctx, events, !TERMINAL_JOB_STATES.includes(state), done);
  }

  async artifacts(runId: string): Promise<Artifact[]> {
    const { data } = await this.up.json('GET', `/api/runs/${enc(runId)}/memory`, { retry: true });
    const files = MemoryReply.parse(data ?? {}).files_written;
    return files.flatMap((f) => {
      const p = FileWritten.safeParse(f);
      if (!p.success || !p.data.path) return [];
      return [{ path: p.data.path, diff: p.data.diff, timestamp: p.data.timestamp ?? null, lines_omitted: p.data.lines_omitted ?? 0 }];
    });
  }

  /** `/cancel` only works from pending_launch (204); a started run is cancelled with the build_cancel_run tool. */
  async cancel(runId: string): Promise<{ ok: boolean; raw_status: string; state: JobState }> {
    const r = await this.up.send('POST', `/api/runs/${enc(runId)}/cancel`);
    if (r.status === 204 || r.status === 200) return { ok: true, raw_status: 'cancelled', state: 'cancelled' };
    if (r.status !== 409) throw this.up.statusError(r.status, r.text, 'POST', `/api/runs/${runId}/cancel`);
    const result = ToolResult.parse((await this.rpc('tools/call', { name: 'build_cancel_run', arguments: { run_id: runId } }, false)) ?? {});
    const text = result.content.find((c) => typeof c.text === 'string')?.text ?? '';
    const parsed = CancelToolText.safeParse(text ? this.up.parse(text, 'tools/call', 'build_cancel_run') : {});
    const out = parsed.success ? parsed.data : { ok: false, status: undefined, error: undefined };
    if (result.isError || !out.ok) {
      throw new UpstreamError(
        'agentception',
        'conflict',
        `AgentCeption refused to cancel run ${runId}: ${out.error ?? (text || 'no reason given')}`,
        'The run may already be finished; refresh the mission.',
        409,
      );
    }
    const raw = out.status ?? 'cancelled';
    return { ok: true, raw_status: raw, state: mapStatus(raw) };
  }

  /**
   * After a crash mid-launch: which run did the dispatch create, if any? Reads only (MCP resources), never
   * dispatches. Issue mode asks for `issue-<n>` directly; label mode walks the pending and active lists.
   */
  async findLaunch(key: LaunchKey): Promise<LaunchResult[]> {
    if (key.mode === 'issue') {
      if (!Number.isInteger(key.issue_number)) return [];
      const runId = `issue-${key.issue_number}`;
      const ctx = await this.readContext(runId).catch((err) => {
        if (asUpstream(err).kind === 'not_found') return null;
        throw err;
      });
      if (!ctx) return [];
      if (!this.isOurs(ctx, key)) {
        throw new UpstreamError(
          'agentception',
          'conflict',
          `AgentCeption run ${runId} exists but was not started for mission ${key.mission_id} (repo ${ctx.gh_repo ?? '?'})`,
          `Issue #${key.issue_number} is taken by another run: launch this mission again with another issue number, or cancel run ${runId} on AgentCeption if it is a leftover.`,
          409,
        );
      }
      return [this.fromContext(runId, ctx)];
    }
    const since = Date.parse(key.at) - CLOCK_SKEW_MS;
    const ids = new Set<string>();
    for (const list of ['ac://runs/pending', 'ac://runs/active']) {
      const data = await this.readResource(list);
      const parsed = RunList.safeParse(data);
      if (!parsed.success) throw this.up.badReply(`resources/read ${list}: expected {ok, runs:[{run_id, status}]}, got ${preview(data)}`);
      for (const r of parsed.data.runs) if (r.run_id) ids.add(r.run_id);
    }
    const found: LaunchResult[] = [];
    for (const id of [...ids].slice(0, MAX_LABEL_CANDIDATES)) {
      const ctx = await this.readContext(id).catch(() => null);
      if (!ctx || !this.isOurs(ctx, key)) continue;
      const spawned = ctx.spawned_at ? Date.parse(ctx.spawned_at) : NaN;
      if (!Number.isNaN(spawned) && spawned < since) continue;
      if ((ctx.issue_number ?? null) !== (key.issue_number ?? null)) continue;
      found.push(this.fromContext(id, ctx));
    }
    return found;
  }

  /** Same repo, and a task description that (when AgentCeption keeps one) names this mission. */
  private isOurs(ctx: RunContext, key: LaunchKey): boolean {
    if (ctx.gh_repo && ctx.gh_repo !== key.repo) return false;
    const task = ctx.task_description ?? '';
    return !task || task.includes(key.mission_id);
  }

  private fromContext(runId: string, ctx: RunContext): LaunchResult {
    const raw = ctx.status ?? 'unknown';
    return {
      run_id: ctx.run_id ?? runId,
      raw_status: raw,
      state: mapStatus(raw),
      branch: ctx.branch ?? null,
      worktree: ctx.worktree_path ?? null,
      batch_id: ctx.batch_id ?? null,
    };
  }

  /** Drops pooled sockets (not part of the interface: MissionBridges.close() calls it). */
  async close(): Promise<void> {
    this.up.close();
  }

  // ---------- reading ----------

  /**
   * null when AgentCeption says the run does not exist (`{ok:false, error}`). Valid JSON of another shape (no
   * `ok`, or a context without a status) is a bad reply, never read as "status unknown": the refresh records it
   * as an upstream error with the fix instead of silently moving the mission to `unknown`.
   */
  private async readContext(runId: string): Promise<RunContext | null> {
    const uri = `ac://runs/${runId}/context`;
    const raw = await this.readResource(uri);
    const shape = ContextShape.safeParse(raw);
    if (!shape.success) throw this.up.badReply(`resources/read ${uri}: expected {ok, context:{run_id, status, …}}, got ${preview(raw)}`);
    if (!shape.data.ok) return null;
    return ContextResource.parse(raw).context!;
  }

  private async readEvents(runId: string, after: number): Promise<RunEvent[]> {
    const uri = `ac://runs/${runId}/events${after > 0 ? `?after_id=${after}` : ''}`;
    const raw = await this.readResource(uri);
    if (!EventsShape.safeParse(raw).success) throw this.up.badReply(`resources/read ${uri}: expected {ok, events:[…]}, got ${preview(raw)}`);
    const data = EventsResource.parse(raw);
    return data.events
      .map((e) => RawEvent.safeParse(e))
      .filter((p) => p.success)
      .map(({ data: e }) => ({ id: e.id, event_type: e.event_type, payload: parseMaybeJson(e.payload), recorded_at: e.recorded_at }))
      .filter((e) => e.id > after)
      .sort((a, b) => a.id - b.id);
  }

  /** null = 404 = not live (finished), which is not a failure. */
  private async readAgent(runId: string): Promise<z.infer<typeof AgentReply> | null> {
    try {
      const { data } = await this.up.json('GET', `/api/agents/${enc(runId)}`, { retry: true });
      const agent = AgentReply.parse(data ?? {});
      if (!agent.status) throw this.up.badReply(`GET /api/agents/${runId}: expected {id, status, …}, got ${preview(data)}`);
      return agent;
    } catch (err) {
      if (err instanceof UpstreamError && err.kind === 'not_found') return null;
      throw err;
    }
  }

  private async readResource(uri: string): Promise<unknown> {
    const result = ReadResult.parse((await this.rpc('resources/read', { uri }, true)) ?? {});
    const text = result.contents[0]?.text;
    if (text === undefined) throw this.up.badReply(`resources/read ${uri}: no text content in the answer`);
    // The resource is JSON inside a JSON string: parse it again.
    return this.up.parse(text, 'resources/read', uri);
  }

  private async rpc(method: string, params: unknown, retry: boolean, readTimeoutMs?: number): Promise<unknown> {
    const id = ++this.rpcId;
    const { data } = await this.up.json('POST', '/api/mcp', {
      body: { jsonrpc: '2.0', id, method, params },
      headers: { 'mcp-protocol-version': MCP_PROTOCOL_VERSION },
      retry,
      readTimeoutMs,
    });
    const env = RpcEnvelope.safeParse(data);
    if (!env.success || (env.data.result === undefined && !env.data.error)) throw this.up.badReply(`/api/mcp ${method}: not a JSON-RPC answer`);
    if (env.data.error) {
      const { code, message } = env.data.error;
      throw new UpstreamError(
        'agentception',
        code === -32002 || /not found/i.test(message) ? 'not_found' : 'failed',
        `AgentCeption MCP ${method} failed: ${message} (${code})`,
        'Check that the AgentCeption version serves these MCP resources.',
      );
    }
    return env.data.result;
  }

  // ---------- mapping ----------

  private stateOf(ctx: { status?: string; pr_number?: number }, done: RunEvent | null): JobState {
    const donePr = done && isObject(done.payload) ? DonePayload.parse(done.payload).pr_url : undefined;
    return mapStatus(ctx.status, { hasDone: !!done, hasPr: !!donePr || Number.isInteger(ctx.pr_number) });
  }

  private build(runId: string, ctx: Partial<RunContext>, events: RunEvent[], live: boolean, done: RunEvent | null = lastDone(events)): RunStatus {
    const d = done ? DonePayload.parse(isObject(done.payload) ? done.payload : {}) : null;
    const repo = ctx.gh_repo;
    const prUrl = d?.pr_url ?? (repo && Number.isInteger(ctx.pr_number) ? `https://github.com/${repo}/pull/${ctx.pr_number}` : null);
    const raw = ctx.status ?? '';
    return {
      run_id: ctx.run_id ?? runId,
      raw_status: raw,
      state: this.stateOf(ctx, done),
      stale: isStaleStatus(raw),
      live,
      branch: ctx.branch ?? null,
      pr_url: prUrl,
      issue_url: repo && Number.isInteger(ctx.issue_number) ? `https://github.com/${repo}/issues/${ctx.issue_number}` : null,
      summary: d?.summary ?? null,
      grade: d?.grade ?? null,
      completed_at: ctx.completed_at ?? null,
      events,
    };
  }

  private launched(data: unknown, expected: string): LaunchResult {
    const r = DispatchReply.parse(data ?? {});
    if (!r.run_id) throw this.up.badReply(`AgentCeption accepted the dispatch but gave no run_id: ${JSON.stringify(data)?.slice(0, 200)}`);
    const raw = r.status ?? expected;
    return {
      run_id: r.run_id,
      raw_status: raw,
      state: mapStatus(raw),
      branch: r.branch ?? null,
      worktree: r.worktree ?? null,
      batch_id: r.batch_id ?? null,
    };
  }
}

function lastDone(events: RunEvent[]): RunEvent | null {
  for (let i = events.length - 1; i >= 0; i--) if (events[i]!.event_type === 'done') return events[i]!;
  return null;
}

function parseMaybeJson(v: unknown): unknown {
  if (typeof v !== 'string') return v ?? null;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

/** A short, single-line excerpt of an unexpected answer for the error message. */
function preview(v: unknown): string {
  const t = JSON.stringify(v) ?? String(v);
  return t.length > 160 ? `${t.slice(0, 160)}…` : t;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const enc = encodeURIComponent;

export function asUpstream(err: unknown): UpstreamError {
  if (err instanceof UpstreamError) return err;
  return new UpstreamError('agentception', 'failed', (err as Error)?.message ?? String(err), 'See the server log.');
}
