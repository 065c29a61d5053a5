// A fake AgentCeption on 127.0.0.1 speaking the wire format of contracts/agentception.md: /health, bearer or
// X-API-Key auth with the exact 401 body, issue dispatch (→ implementing), label dispatch (→ pending_launch until
// /execute), /dispatch/launch returning only a prompt, MCP-over-HTTP resources whose `text` is a JSON string
// (events' payload too), /api/agents/{id} 404 once finished, cancel (204 only from pending_launch, else 409, then
// the build_cancel_run tool), legacy `done` via /stop, and failure modes: slow, garbage, down.
// Built for load too: 1,000+ runs are plain Map lookups, and `autoComplete` finishes runs by itself.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const AUTH_401_BODY = {
  detail: "Authentication required. Provide the API key via 'Authorization: Bearer <key>' or 'X-API-Key: <key>' header.",
};

/** normal; slow (every answer delayed, the request handled only after the delay — a client that hangs up first
 * changed nothing); slow-reply (handled at once — a dispatch creates its run — and only the answer delayed, as when
 * AgentCeption is busy and the caller dies waiting); garbage (HTML bodies); garbage-mcp (valid JSON-RPC envelopes
 * whose `text` is not JSON); wrong-shape (valid JSON of another shape: resources with renamed fields, /api/agents
 * without a status); down (nothing listens: connection refused). */
export type FakeMode = 'normal' | 'slow' | 'slow-reply' | 'garbage' | 'garbage-mcp' | 'wrong-shape' | 'down';

export interface FakeEvent {
  id: number;
  event_type: string;
  payload: Record<string, unknown>;
  recorded_at: string;
}

export interface FakeRun {
  run_id: string;
  mode: 'issue' | 'label';
  status: string;
  role: string;
  label: string | null;
  task_description: string;
  issue_title: string;
  issue_number: number | null;
  pr_number: number | null;
  branch: string;
  worktree_path: string;
  batch_id: string;
  gh_repo: string;
  spawned_at: string;
  last_activity_at: string;
  completed_at: string | null;
  /** How many times `ac://runs/{id}/context` was read (drives autoComplete). */
  contextReads: number;
  events: FakeEvent[];
  files_written: { timestamp: string; path: string; diff: string; lines_omitted: number }[];
  /** The dispatch body as received. */
  request: Record<string, unknown>;
}

export interface FakeHit {
  method: string;
  path: string;
  /** JSON-RPC method and resource uri / tool name for /api/mcp. */
  rpc?: string;
  target?: string;
  authorization?: string;
  origin?: string;
}

export interface FakeAgentceptionOptions {
  /** Like AC_API_KEY: every /api/* path then needs `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
  apiKey?: string;
  /** A run goes implementing → completed (with a done event: pr_url, summary) after this many context reads. */
  autoComplete?: number;
  /** Delay of every answer in `slow` mode (ms). Default 2000. */
  slowMs?: number;
  /** Keep a log of every request in `hits` (default true; turn off for big benchmarks). */
  recordHits?: boolean;
}

export interface FakeAgentception {
  url: string;
  port: number;
  runs: Map<string, FakeRun>;
  hits: FakeHit[];
  /** Requests matching a predicate (or all). */
  count(pred?: (h: FakeHit) => boolean): number;
  setMode(mode: FakeMode, opts?: { slowMs?: number }): Promise<void>;
  /** Make /api/mcp answer 500 (the REST routes keep working), to exercise the /api/agents fallback. */
  breakMcp(broken: boolean): void;
  /** Make /api/runs/{id}/execute answer this status (e.g. 500) instead of starting the run; null restores it. */
  failExecute(status: number | null): void;
  /** Ends a run: status (default `completed`), a `done` event with pr_url/summary unless `done: false`. */
  finish(runId: string, o?: { pr_url?: string; summary?: string; status?: string; grade?: string; done?: boolean; pr_number?: number }): void;
  /** Sets a raw status (e.g. reviewing, stalled, blocked, something-new). */
  advance(runId: string, status: string): void;
  addEvent(runId: string, event_type: string, payload?: Record<string, unknown>): FakeEvent;
  stop(): Promise<void>;
}

const TERMINAL = new Set(['completed', 'failed', 'error', 'cancelled', 'stopped', 'done', 'unknown']);
const now = () => new Date().toISOString();

export async function startFakeAgentception(opts: FakeAgentceptionOptions = {}): Promise<FakeAgentception> {
  const runs = new Map<string, FakeRun>();
  const hits: FakeHit[] = [];
  const record = opts.recordHits ?? true;
  let mode: FakeMode = 'normal';
  let slowMs = opts.slowMs ?? 2000;
  let mcpBroken = false;
  let executeFailure: number | null = null;
  let eventSeq = 0;
  let labelSeq = 0;
  const timers = new Set<NodeJS.Timeout>();

  const addEvent = (run: FakeRun, event_type: string, payload: Record<string, unknown> = {}): FakeEvent => {
    const e = { id: ++eventSeq, event_type, payload, recorded_at: now() };
    run.events.push(e);
    run.last_activity_at = e.recorded_at;
    return e;
  };
  const finish = (run: FakeRun, o: Parameters<FakeAgentception['finish']>[1] = {}) => {
    const status = o.status ?? 'completed';
    run.status = status;
    run.completed_at = now();
    const succeeded = status === 'completed' || status === 'done';
    if (succeeded) {
      run.pr_number = o.pr_number ?? run.pr_number ?? 1000 + (run.issue_number ?? 0);
      run.files_written.push({ timestamp: now(), path: 'CHANGELOG.md', diff: `+ ${run.issue_title}`, lines_omitted: 0 });
    }
    if (succeeded && o.done !== false) {
      addEvent(run, 'done', {
        pr_url: o.pr_url ?? `https://github.com/${run.gh_repo}/pull/${run.pr_number}`,
        summary: o.summary ?? `Implemented: ${run.issue_title}`,
        ...(o.grade ? { grade: o.grade } : {}),
      });
    } else if (!succeeded) addEvent(run, 'error', { message: `run ${status}` });
  };
  const newRun = (
    r: Omit<FakeRun, 'spawned_at' | 'last_activity_at' | 'completed_at' | 'contextReads' | 'events' | 'files_written' | 'pr_number' | 'batch_id'>,
  ): FakeRun => {
    const run: FakeRun = {
      ...r,
      pr_number: null,
      batch_id: `batch-${runs.size + 1}`,
      spawned_at: now(),
      last_activity_at: now(),
      completed_at: null,
      contextReads: 0,
      events: [],
      files_written: [],
    };
    runs.set(run.run_id, run);
    return run;
  };

  const contextOf = (run: FakeRun) => ({
    run_id: run.run_id,
    status: run.status,
    role: run.role,
    task_description: run.task_description,
    issue_number: run.issue_number,
    pr_number: run.pr_number,
    branch: run.branch,
    worktree_path: run.worktree_path,
    batch_id: run.batch_id,
    gh_repo: run.gh_repo,
    spawned_at: run.spawned_at,
    last_activity_at: run.last_activity_at,
    completed_at: run.completed_at,
    pr_base_branch: 'main',
    tier: 'worker',
  });

  function readResource(uri: string): unknown {
    const u = new URL(uri.replace(/^ac:\/\//, 'ac://x/'));
    const parts = u.pathname.split('/').filter(Boolean); // runs, id, what
    if (parts[0] !== 'runs') return { ok: false, error: `unknown resource ${uri}` };
    if (parts.length === 2 && (parts[1] === 'active' || parts[1] === 'pending')) {
      const want =
        parts[1] === 'pending'
          ? (r: FakeRun) => r.status === 'pending_launch'
          : (r: FakeRun) => !TERMINAL.has(r.status) && r.status !== 'pending_launch';
      const list = [...runs.values()].filter(want).map((r) => ({ run_id: r.run_id, status: r.status }));
      return { ok: true, runs: list, count: list.length };
    }
    const run = runs.get(decodeURIComponent(parts[1] ?? ''));
    if (!run) return { ok: false, error: `run ${parts[1]} not found` };
    switch (parts[2]) {
      case 'context':
        run.contextReads++;
        if (opts.autoComplete !== undefined && run.status === 'implementing' && run.contextReads >= opts.autoComplete) finish(run);
        return { ok: true, context: contextOf(run) };
      case 'status':
        return { ok: true, run_id: run.run_id, status: run.status, completed_at: run.completed_at };
      case 'events': {
        const after = Number(u.searchParams.get('after_id') ?? 0);
        const events = run.events.filter((e) => e.id > after).map((e) => ({ ...e, payload: JSON.stringify(e.payload) }));
        return { ok: true, events, count: events.length };
      }
      default:
        return { ok: false, error: `unknown resource ${uri}` };
    }
  }

  function callTool(name: string, args: Record<string, unknown>): { payload: unknown; isError: boolean } {
    if (name !== 'build_cancel_run') return { payload: { ok: false, error: `unknown tool ${name}` }, isError: true };
    const run = runs.get(String(args.run_id ?? ''));
    if (!run) return { payload: { ok: false, error: `run ${String(args.run_id)} not found` }, isError: true };
    if (TERMINAL.has(run.status)) return { payload: { ok: false, run_id: run.run_id, error: `run is already ${run.status}` }, isError: false };
    run.status = 'cancelled';
    run.completed_at = now();
    addEvent(run, 'cancelled', {});
    return { payload: { ok: true, run_id: run.run_id, status: 'cancelled' }, isError: false };
  }

  function handle(req: IncomingMessage, body: string, res: ServerResponse, hit: FakeHit): void {
    const send = (status: number, data?: unknown) => {
      if (data === undefined) return void res.writeHead(status).end();
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(data));
    };
    if (mode === 'garbage') {
      return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>502 Bad Gateway {"status":</body>');
    }
    const url = new URL(req.url ?? '/', 'http://x');
    const p = url.pathname;
    const m = req.method ?? 'GET';
    if (m === 'GET' && p === '/health') return send(200, { status: 'ok' });
    if (!p.startsWith('/api/')) return send(404, { detail: 'Not Found' });

    if (opts.apiKey) {
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (bearer !== opts.apiKey && req.headers['x-api-key'] !== opts.apiKey) return send(401, AUTH_401_BODY);
    }
    let json: Record<string, unknown> = {};
    if (body) {
      try {
        json = JSON.parse(body);
      } catch {
        return send(422, { detail: [{ type: 'json_invalid', msg: 'JSON decode error' }] });
      }
    }
    const missing = (fields: string[]) => fields.filter((f) => json[f] === undefined || json[f] === null || json[f] === '');

    if (m === 'POST' && p === '/api/dispatch/issue') {
      const miss = missing(['issue_number', 'issue_title', 'role', 'repo']);
      if (miss.length || !Number.isInteger(json.issue_number))
        return send(422, { detail: miss.map((f) => ({ type: 'missing', loc: ['body', f], msg: 'Field required' })) });
      const n = json.issue_number as number;
      const run = newRun({
        run_id: `issue-${n}`,
        mode: 'issue',
        status: 'implementing',
        role: String(json.role),
        label: null,
        task_description: String(json.issue_body ?? ''),
        issue_title: String(json.issue_title),
        issue_number: n,
        branch: `agent/issue-${n}`,
        worktree_path: `/worktrees/issue-${n}`,
        gh_repo: String(json.repo),
        request: json,
      });
      addEvent(run, 'step_start', { step: 'implement' });
      addEvent(run, 'file_edit', { path: 'src/index.ts' });
      run.files_written.push({ timestamp: now(), path: 'src/index.ts', diff: '+ // change', lines_omitted: 0 });
      return send(200, {
        run_id: run.run_id,
        worktree: run.worktree_path,
        host_worktree: `/host${run.worktree_path}`,
        branch: run.branch,
        batch_id: run.batch_id,
        status: 'implementing',
      });
    }
    if (m === 'POST' && p === '/api/dispatch/label') {
      const miss = missing(['label', 'scope', 'repo']);
      if (miss.length) return send(422, { detail: miss.map((f) => ({ type: 'missing', loc: ['body', f], msg: 'Field required' })) });
      const scopeIssue = Number.isInteger(json.scope_issue_number) ? (json.scope_issue_number as number) : null;
      const clash = [...runs.values()].find((r) => r.label === json.label && r.issue_number === scopeIssue && r.status === 'pending_launch');
      if (clash) return send(409, { detail: `Worktree already exists for ${clash.run_id}` });
      const id = `label-${String(json.label).replace(/[^a-z0-9]+/gi, '-')}-${++labelSeq}`;
      const run = newRun({
        run_id: id,
        mode: 'label',
        status: 'pending_launch',
        role: String(json.role ?? 'developer'),
        label: String(json.label),
        task_description: '',
        issue_title: `label ${String(json.label)}`,
        issue_number: scopeIssue,
        branch: `agent/${id}`,
        worktree_path: `/worktrees/${id}`,
        gh_repo: String(json.repo),
        request: json,
      });
      return send(200, {
        run_id: run.run_id,
        tier: 'coordinator',
        role: run.role,
        label: run.label,
        worktree: run.worktree_path,
        host_worktree: `/host${run.worktree_path}`,
        batch_id: run.batch_id,
        status: 'pending_launch',
      });
    }
    if (m === 'POST' && p === '/api/dispatch/launch') {
      // The trap the earlier Agentora fell into: a prompt, no run.
      return send(200, { ok: true, prompt: 'You are the AgentCeption coordinator. Read the pending launches and start them.', error: null });
    }
    if (m === 'POST' && p === '/api/mcp') {
      if (mcpBroken) return send(500, { detail: 'Internal Server Error' });
      if (req.headers.origin && !/^https?:\/\/(localhost|127\.0\.0\.1)(:\d+)?$/.test(req.headers.origin))
        return send(403, { detail: 'Origin not allowed' });
      const pv = req.headers['mcp-protocol-version'];
      if (pv !== undefined && pv !== '2025-11-25' && pv !== '2025-03-26')
        return send(400, { detail: `Unsupported MCP-Protocol-Version: ${String(pv)}` });
      const id = json.id ?? null;
      const params = (json.params ?? {}) as Record<string, unknown>;
      hit.rpc = String(json.method);
      if (json.method === 'resources/read') {
        hit.target = String(params.uri);
        if (mode === 'garbage-mcp')
          return send(200, { jsonrpc: '2.0', id, result: { contents: [{ uri: params.uri, mimeType: 'application/json', text: '{"ok": tru' }] } });
        if (mode === 'wrong-shape') {
          const run = runs.get(String(params.uri).split('/')[3] ?? '');
          const other = { ok: true, run: { id: run?.run_id, state: run?.status }, items: [] };
          return send(200, {
            jsonrpc: '2.0',
            id,
            result: { contents: [{ uri: params.uri, mimeType: 'application/json', text: JSON.stringify(other) }] },
          });
        }
        const data = readResource(String(params.uri));
        return send(200, {
          jsonrpc: '2.0',
          id,
          result: { contents: [{ uri: params.uri, mimeType: 'application/json', text: JSON.stringify(data) }] },
        });
      }
      if (json.method === 'tools/call') {
        hit.target = String(params.name);
        const r = callTool(String(params.name), (params.arguments ?? {}) as Record<string, unknown>);
        return send(200, { jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: JSON.stringify(r.payload) }], isError: r.isError } });
      }
      return send(200, { jsonrpc: '2.0', id, error: { code: -32601, message: `Method not found: ${String(json.method)}` } });
    }
    const agent = /^\/api\/agents\/([^/]+)$/.exec(p);
    if (m === 'GET' && agent) {
      const run = runs.get(decodeURIComponent(agent[1]!));
      if (!run || TERMINAL.has(run.status)) return send(404, { detail: 'Agent not found' });
      if (mode === 'wrong-shape') return send(200, { agent: { name: run.run_id, phase: run.status } });
      return send(200, { id: run.run_id, ...contextOf(run) });
    }
    const runRoute = /^\/api\/runs\/([^/]+)\/(execute|cancel|stop|memory)$/.exec(p);
    if (runRoute) {
      const run = runs.get(decodeURIComponent(runRoute[1]!));
      if (!run) return send(404, { detail: `Run ${runRoute[1]} not found` });
      const what = runRoute[2];
      if (what === 'memory' && m === 'GET') return send(200, { files_written: run.files_written });
      if (what === 'execute' && m === 'POST') {
        if (executeFailure !== null) return send(executeFailure, { detail: 'git worktree add failed' });
        if (run.status !== 'pending_launch' && run.status !== 'implementing') return send(409, { detail: `Run is ${run.status}` });
        run.status = 'implementing';
        addEvent(run, 'step_start', { step: 'implement' });
        return send(202, { ok: true, run_id: run.run_id, message: 'launched' });
      }
      if (what === 'cancel' && m === 'POST') {
        if (run.status !== 'pending_launch') return send(409, { detail: `Cannot cancel a run in status ${run.status}` });
        run.status = 'cancelled';
        run.completed_at = now();
        return send(204);
      }
      if (what === 'stop' && m === 'POST') {
        run.status = 'done'; // legacy value, no done event
        run.completed_at = now();
        return send(200, { ok: true, run_id: run.run_id });
      }
    }
    send(404, { detail: 'Not Found' });
  }

  const server: Server = createServer((req, res) => {
    const hit: FakeHit = { method: req.method ?? 'GET', path: req.url ?? '/', authorization: req.headers.authorization, origin: req.headers.origin };
    if (record) hits.push(hit);
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      if (mode === 'slow-reply') {
        const end = res.end.bind(res) as (...a: unknown[]) => ServerResponse;
        res.end = ((...a: unknown[]) => {
          const t = setTimeout(() => {
            timers.delete(t);
            if (!res.destroyed) end(...a);
          }, slowMs);
          timers.add(t);
          return res;
        }) as typeof res.end;
        return handle(req, body, res, hit);
      }
      if (mode === 'slow') {
        const t = setTimeout(() => {
          timers.delete(t);
          if (!res.destroyed) handle(req, body, res, hit);
        }, slowMs);
        timers.add(t);
        // A caller that hung up (or died) before the delay ended: the request is dropped, as a server that had not
        // read it yet would.
        res.on('close', () => {
          clearTimeout(t);
          timers.delete(t);
        });
        return;
      }
      handle(req, body, res, hit);
    });
  });
  server.keepAliveTimeout = 2000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;

  const closeServer = () =>
    new Promise<void>((r) => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections();
      if (!server.listening) return r();
      server.close(() => r());
    });
  const mustRun = (id: string) => {
    const run = runs.get(id);
    if (!run) throw new Error(`fake AgentCeption: no run ${id}`);
    return run;
  };

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    runs,
    hits,
    count: (pred) => (pred ? hits.filter(pred).length : hits.length),
    async setMode(next, o) {
      if (o?.slowMs !== undefined) slowMs = o.slowMs;
      if (next === 'down' && mode !== 'down') await closeServer(); // refused: nothing listens on the port
      if (next !== 'down' && mode === 'down') await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
      mode = next;
    },
    breakMcp: (b) => {
      mcpBroken = b;
    },
    failExecute: (st) => {
      executeFailure = st;
    },
    finish: (id, o) => finish(mustRun(id), o),
    advance(id, status) {
      const run = mustRun(id);
      run.status = status;
      if (TERMINAL.has(status)) run.completed_at = now();
    },
    addEvent: (id, type, payload) => addEvent(mustRun(id), type, payload),
    stop: closeServer,
  };
}
