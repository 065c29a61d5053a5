// A fake PhiOS-compatible HTTP service (the `http` transport's routes). Like an older service it serves only the
// fallback paths by default — /mission/context-pack and /mission/writeback answer 404 — so a test proves the
// bridge falls back to /context/pack and /memory/write. Modes: normal, slow, garbage, down; bearer key optional.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakePhiosMode = 'normal' | 'slow' | 'garbage' | 'down';

export interface FakePhiosHttpOptions {
  apiKey?: string;
  /** Serve the new paths too (no fallback needed). Default false: 404 on /mission/*. */
  newPaths?: boolean;
  /** Refuse writes like PhiOS without agent_memory_write. */
  denyWrites?: boolean;
  slowMs?: number;
}

export interface FakePhiosHttp {
  url: string;
  hits: { method: string; path: string; authorization?: string; body: unknown }[];
  count(path?: string): number;
  writes: unknown[];
  setMode(mode: FakePhiosMode, o?: { slowMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

const PERSONAS: Record<string, unknown> = {
  architect: { id: 'architect', name: 'The Architect', role: 'architect', style: 'structure first', goals: ['clear seams'], constraints: [] },
};

export async function startFakePhiosHttp(opts: FakePhiosHttpOptions = {}): Promise<FakePhiosHttp> {
  let mode: FakePhiosMode = 'normal';
  let slowMs = opts.slowMs ?? 2000;
  const hits: FakePhiosHttp['hits'] = [];
  const writes: unknown[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      let body: unknown = null;
      try {
        body = raw ? JSON.parse(raw) : null;
      } catch {
        body = raw;
      }
      const path = (req.url ?? '/').split('?')[0]!;
      hits.push({ method: req.method ?? 'GET', path, authorization: req.headers.authorization, body });
      const send = (status: number, data: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(data));
      const answer = () => {
        if (mode === 'garbage') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('}{ not json at all');
        if (opts.apiKey && req.headers.authorization !== `Bearer ${opts.apiKey}`) return send(401, { detail: 'invalid or missing API key' });
        if (req.method === 'GET' && path === '/health') return send(200, { status: 'ok' });
        if (!opts.newPaths && (path === '/mission/context-pack' || path === '/mission/writeback')) return send(404, { detail: 'Not Found' });
        const b = (body ?? {}) as Record<string, unknown>;
        if (req.method === 'POST' && (path === '/mission/context-pack' || path === '/context/pack')) {
          return send(200, {
            persona: PERSONAS.architect,
            summary: `Context for ${String(b.repo)}`,
            memory_snippets: [{ id: 'm1', text: 'Prefer small PRs', source: 'phios', score: 0.9 }],
            risk_flags: [{ name: 'touches auth', severity: 'high', mitigation: 'extra review' }],
            success_criteria: 'not-a-list', // a known field in a wrong shape: kept in raw, default used
            coherence: 0.72, // unknown field: kept in raw
            generated_at: '2026-03-01T00:00:00Z',
          });
        }
        if (req.method === 'POST' && (path === '/mission/writeback' || path === '/memory/write')) {
          if (opts.denyWrites)
            return send(200, { ok: false, error_code: 'AGENT_MEMORY_WRITE_NOT_PERMITTED', reason: 'agent_memory_write capability is off' });
          writes.push(b);
          return send(200, { ok: true, id: `w${writes.length}` });
        }
        const persona = /^\/persona\/([^/]+)$/.exec(path);
        if (req.method === 'GET' && persona) {
          const p = PERSONAS[decodeURIComponent(persona[1]!)];
          return p ? send(200, p) : send(404, { detail: 'persona not found' });
        }
        send(404, { detail: 'Not Found' });
      };
      if (mode === 'slow') {
        const t = setTimeout(() => {
          timers.delete(t);
          if (!res.destroyed) answer();
        }, slowMs);
        timers.add(t);
      } else answer();
    });
  });
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
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    writes,
    count: (p) => (p ? hits.filter((h) => h.path === p).length : hits.length),
    async setMode(next, o) {
      if (o?.slowMs !== undefined) slowMs = o.slowMs;
      if (next === 'down' && mode !== 'down') await closeServer();
      if (next !== 'down' && mode === 'down') await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
      mode = next;
    },
    stop: closeServer,
  };
}
