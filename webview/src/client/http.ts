// Browser transport: JSON-RPC over `POST /rpc` and notifications from `GET /api/events` (SSE read with fetch).
// Auth: the studio's session cookie (HttpOnly, SameSite=Strict: set when a one-time studio link is opened; fetch
// sends it to this origin by itself), or a bearer token when one is given (scripts, tests).
import { RpcError, type PanelClient } from './types';

export function createHttpClient(base: string, token: string): PanelClient {
  let nextId = 1;
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const headers: Record<string, string> = token ? { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` } : { 'Content-Type': 'application/json' };
  // The id of the last event seen: a reconnect resumes from it, so events emitted meanwhile are not lost.
  let lastEventId: string | null = null;

  async function stream(): Promise<void> {
    for (;;) {
      try {
        const res = await fetch(`${base}/api/events`, { headers: lastEventId ? { ...headers, 'Last-Event-ID': lastEventId } : headers, credentials: 'same-origin' });
        const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += value;
          let i: number;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            const name = /^event: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            const id = /^id: (.*)$/m.exec(block)?.[1];
            if (id) lastEventId = id;
            if (name && data) listeners.get(name)?.forEach((fn) => fn(JSON.parse(data)));
          }
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
      const res = await fetch(`${base}/rpc`, { method: 'POST', headers, credentials: 'same-origin', body: JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params: params ?? {} }) });
      const body = await res.json();
      // A refused request (401/403) answers in the REST error shape, not as a JSON-RPC envelope.
      if (!res.ok) throw new RpcError(body.error?.code ?? res.status, body.message ?? body.error?.message ?? res.statusText, body.error?.data ?? body);
      if (body.error) throw new RpcError(body.error.code, body.error.message, body.error.data);
      return body.result as R;
    },
    call(method, params) {
      return this.request(method, params);
    },
    onNotification(name, fn) {
      if (!listeners.has(name)) listeners.set(name, new Set());
      listeners.get(name)!.add(fn);
      return () => listeners.get(name)?.delete(fn);
    },
  };
}
