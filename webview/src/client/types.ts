// The panels' only view of the server: request/notification over whichever transport the host provides.
import type { MethodName, Methods, NotificationName, Notifications } from '../../../server/src/protocol/calls.gen';
import type { ParamsOf, PayloadOf, ResultOf } from '../../../server/src/protocol/define';

export { M, N } from '../../../server/src/protocol/calls.gen';

export interface PanelClient {
  /** Untyped escape hatch; panels use `call`. */
  request<R = unknown>(method: string, params?: unknown): Promise<R>;
  /** Typed by the protocol: `client.call(M.missions.launch, {...})` — params and result checked at compile time. */
  call<K extends MethodName>(method: K, params: ParamsOf<Methods[K]>): Promise<ResultOf<Methods[K]>>;
  /** Typed by the protocol: `client.onNotification(N.chat.didToken, (p) => …)`. */
  onNotification<K extends NotificationName>(name: K, fn: (payload: PayloadOf<Notifications[K]>) => void): () => void;
}

export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

/** The params / result types of one method, for panels that pass them around: `Params<typeof M.x.y>`. */
export type Params<K extends MethodName> = ParamsOf<Methods[K]>;
export type Result<K extends MethodName> = ResultOf<Methods[K]>;
