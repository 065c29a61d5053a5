// Everything a service may use, passed in (no singletons). Built once by app.ts; tests build their own.
import type { Config } from './config';
import type { ModelProvider } from './bridges/models';
import type { Db } from './store/db';
import type { EventBus } from './events';
import type { Logger } from './log';

export interface HttpState {
  /** Base URL the HTTP API listens on, once it does. */
  url: string | null;
  /** Why it does not listen (e.g. port in use), if it does not. */
  error: string | null;
}

export interface ServerContext {
  readonly config: Config;
  readonly db: Db;
  readonly log: Logger;
  readonly events: EventBus;
  readonly models: ModelProvider;
  readonly version: string;
  readonly startedAt: Date;
  /** The HTTP API token (also written 0600 to `<dataDir>/token`). */
  readonly token: string;
  readonly http: HttpState;
  /** Re-read the configuration layers (after a service wrote `<dataDir>/config.env`) and apply them now. */
  reloadConfig?(): void;
}

/** Who is calling, for audit trails: which transport and, where known, which actor. */
export interface CallInfo {
  transport: 'lsp' | 'rpc-http' | 'rest' | 'mcp' | 'internal';
  actor: string;
  /** The credential the HTTP doors authenticated (absent: the editor's own connection or internal work). */
  credential?: CallCredential;
}

/** Who holds the request: the editor (language-server connection), the operator, or one agent credential. */
export type CallCredential =
  | { kind: 'editor' }
  | { kind: 'operator'; via: 'token' | 'session' }
  /** `id` null: the MCP key setting (AGENTORA_MISSIONS_MCP_API_KEY), an agent credential valid on the MCP doors only. */
  | { kind: 'agent'; id: number | null; name: string }
  /** A worker token (`agentora worker` on another machine): worker routes only. */
  | { kind: 'worker'; tokenId: number; name: string };
