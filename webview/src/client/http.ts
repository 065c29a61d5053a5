// Browser transport: JSON-RPC over `POST /rpc` and notifications from `GET /api/events` (SSE read with fetch).
// Auth: the studio's session cookie (HttpOnly, SameSite=Strict: set when a one-time studio link is opened; fetch
// sends it to this origin by itself), or a bearer token when one is given (scripts, tests).
import { createParser } from 'eventsource-parser';
import { RpcError, type PanelClient } from './types';

export function createHttpClient(base: string, token: string): PanelClient {
  let nextId = 1;
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const headers: Record<string, string> = token
    ? { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` }
    : { 'Content-Type': 'application/json' };
  // The id of the last event seen: a reconnect resumes from it, so events emitted meanwhile are not lost.
  let lastEventId: string | null = null;

  async function stream(): Promise<void> {
    for (;;) {
      try {
        const res = await fetch(`${base}/api/events`, {
          headers: lastEventId ? { ...headers, 'Last-Event-ID': lastEventId } : headers,
          credentials: 'same-origin',
        });
        // The SSE framing (multi-line data, comments, CRLF, retry) is eventsource-parser's job, not ours.
        const parser = createParser({
          onEvent: (ev) => {
            // The id of the last event seen: a reconnect resumes from it (Last-Event-ID).
            if (ev.id) lastEventId = ev.id;
            if (!ev.event) return;
            const fns = listeners.get(ev.event);
            if (fns?.size) {
              const payload: unknown = JSON.parse(ev.data);
              fns.forEach((fn) => fn(payload));
            }
          },
        });
        const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          parser.feed(value);
        }
      } catch {
        // reconnect below
      }
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  void stream();

  return {
    async request<R>(method: string, params?: unknown): Promise<R> {
      const res = await fetch(`${base}/rpc`, {
        method: 'POST',
        headers,
        credentials: 'same-origin',
        body: JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params: params ?? {} }),
      });
      const body = await res.json();
      // A refused request (401/403) answers in the REST error shape, not as a JSON-RPC envelope.
      if (!res.ok)
        throw new RpcError(body.error?.code ?? res.status, body.message ?? body.error?.message ?? res.statusText, body.error?.data ?? body);
      if (body.error) throw new RpcError(body.error.code, body.error.message, body.error.data);
      return body.result as R;
    },
    call(method, params) {
      return this.request(method, params);
    },
    onNotification(name, fn) {
      // Payloads are typed at the call site by the protocol; here they are just passed through.
      const f = fn as (p: unknown) => void;
      if (!listeners.has(name)) listeners.set(name, new Set());
      listeners.get(name)!.add(f);
      return () => listeners.get(name)?.delete(f);
    },
  };
}
