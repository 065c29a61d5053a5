// Server → client notifications. Services emit typed notifications here; the transports subscribe
// (language-server connection → sendNotification, HTTP → server-sent events).
import type { AnyNotification, PayloadOf } from './protocol';

export type Listener = (name: string, payload: unknown) => void;

export class EventBus {
  private readonly listeners = new Set<Listener>();

  emit<N extends AnyNotification>(spec: N, payload: PayloadOf<N>): void {
    const checked = spec.payload.parse(payload);
    for (const l of this.listeners) {
      try {
        l(spec.name, checked);
      } catch {
        // A broken subscriber (a closed SSE stream) must not stop the others.
      }
    }
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
