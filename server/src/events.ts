// Server → client notifications. Services emit typed notifications here; the transports subscribe
// (language-server connection → sendNotification, HTTP → server-sent events).
import type { AnyNotification, PayloadOf } from './protocol';

/**
 * `json()` is the payload as JSON text, made at most once per event whoever asks (the SSE replay window and a
 * session's SSE stream share it): at full streaming speed, serialising each token once per transport was a
 * measurable part of the server's cost per token (issue 11).
 */
export type Listener = (name: string, payload: unknown, json: () => string) => void;

export class EventBus {
  private readonly listeners = new Set<Listener>();

  emit<N extends AnyNotification>(spec: N, payload: PayloadOf<N>): void {
    // A `hot` notification (one per streamed token) is built from typed values by its emitter and is not re-parsed
    // here (tested against its schema instead); every other payload is checked (and stripped of unknown keys).
    const checked = spec.hot ? payload : spec.payload.parse(payload);
    let text: string | undefined;
    const json = () => (text ??= JSON.stringify(checked));
    for (const l of this.listeners) {
      try {
        l(spec.name, checked, json);
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
