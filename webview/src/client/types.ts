// The panels' only view of the server: request/notification over whichever transport the host provides.
export interface PanelClient {
  request<R = unknown>(method: string, params?: unknown): Promise<R>;
  onNotification(name: string, fn: (payload: unknown) => void): () => void;
}

export class RpcError extends Error {
  constructor(readonly code: number, message: string, readonly data?: unknown) {
    super(message);
  }
}
