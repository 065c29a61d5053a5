// VS Code transport: postMessage to the extension, which relays to the language server and back.
import { RpcError, type PanelClient } from './types';

declare function acquireVsCodeApi(): { postMessage(msg: unknown): void };

export function createVsCodeClient(): PanelClient {
  const api = acquireVsCodeApi();
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  window.addEventListener('message', (ev: MessageEvent) => {
    const msg = ev.data as {
      type: string;
      id?: number;
      result?: unknown;
      error?: { code: number; message: string; data?: unknown };
      name?: string;
      payload?: unknown;
    };
    if (msg.type === 'response' && msg.id !== undefined) {
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.error) p?.reject(new RpcError(msg.error.code, msg.error.message, msg.error.data));
      else p?.resolve(msg.result);
    } else if (msg.type === 'notification' && msg.name) {
      listeners.get(msg.name)?.forEach((fn) => fn(msg.payload));
    }
  });
  api.postMessage({ type: 'ready' });
  return {
    request<R>(method: string, params?: unknown): Promise<R> {
      const id = nextId++;
      return new Promise<R>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        api.postMessage({ type: 'request', id, method, params: params ?? {} });
      });
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
