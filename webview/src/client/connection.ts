// Turns transport failures into states a person can act on. Wraps any PanelClient: a fetch that got no answer
// means the server is stopped; a 401 means this page was opened without its access token. Panels show the
// message; the studio shell shows what to do about it (see shell/ConnectionBanner.svelte).
import { RpcError, type PanelClient } from './types';

export type ConnectionState = 'unknown' | 'ok' | 'unreachable' | 'unauthorized';

export const UNREACHABLE_MESSAGE = 'Agentora server not reachable';
export const UNAUTHORIZED_MESSAGE = 'This studio page has no valid access token';

export function withConnectionState(inner: PanelClient, onState: (s: ConnectionState) => void): PanelClient {
  return {
    async request<R>(method: string, params?: unknown): Promise<R> {
      try {
        const r = await inner.request<R>(method, params);
        onState('ok');
        return r;
      } catch (e) {
        if (e instanceof RpcError && e.code === 401) {
          onState('unauthorized');
          throw new RpcError(401, UNAUTHORIZED_MESSAGE, e.data);
        }
        if (!(e instanceof RpcError)) {
          // fetch throws (TypeError) only when no answer came at all: the server is stopped or restarting.
          onState('unreachable');
          throw new RpcError(0, UNREACHABLE_MESSAGE, { reason: 'unreachable' });
        }
        onState('ok'); // the server answered, with an error of its own
        throw e;
      }
    },
    call(method, params) {
      return this.request(method, params);
    },
    onNotification: (name, fn) => inner.onNotification(name, fn),
  };
}
