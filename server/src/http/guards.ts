// The server's doors (design/security.md): Host and Origin checks on every request, a bearer token on every
// route except health. These run before routing, so an unknown path from a foreign origin is refused too.
import type { IncomingHttpHeaders } from 'node:http';
import type { CallCredential } from '../context';
import { sessionFromCookie } from '../services/credentials/sessions';
import { tokensEqual } from '../token';

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]', '::1'];

/** Routes reachable without a token: liveness, and the static studio shell (it holds no data; the page asks for the token). */
export function isOpenRoute(method: string, url: string): boolean {
  const p = url.split('?')[0] ?? '';
  if (method === 'GET' && (p === '/api/health' || p === '/api/system/health')) return true;
  if ((method === 'GET' || method === 'HEAD') && (p === '/' || p === '/index.html' || p.startsWith('/webview/') || p === '/favicon.ico')) return true;
  return false;
}

/** The MCP doors: the Streamable HTTP endpoint and the compatibility routes of the earlier product. */
export function isMcpRoute(url: string): boolean {
  const p = url.split('?')[0] ?? '';
  return p === '/mcp' || p.startsWith('/api/integrations/mcp/');
}

export type Denial = { status: 401 | 403; message: string };
/** A refusal, or who holds the request (null on open routes, which need no credential). */
export type GuardVerdict = { denied: Denial } | { denied: null; credential: CallCredential | null };

export interface Guard {
  check(headers: IncomingHttpHeaders, method: string, url: string): GuardVerdict;
}

/**
 * Requests the editor forwarded (code-server's /proxy/<port>/ after vscode.env.asExternalUri) carry the editor's
 * host and origin. Accept exactly the origins the editor vouched for over its own connection — never a pattern,
 * never anything an HTTP caller can add (services/system/editorOrigins.ts).
 */
export function editorForwarded(origins: ReadonlySet<string>, host: string, origin: string | undefined): { host: boolean; origin: boolean } {
  const hosts = [...origins].map((o) => new URL(o).host.toLowerCase());
  return { host: hosts.includes(host.toLowerCase()), origin: origin !== undefined && origins.has(origin) };
}

export interface GuardOptions {
  configuredHost: string;
  port: () => number;
  /** The operator credential (`<data dir>/token`). */
  token: () => string;
  /** The MCP key setting: when set, the MCP doors take it (an agent credential) instead of the operator token. */
  mcpApiKey?: () => string;
  /** A live agent credential with this secret, if any. */
  agentBySecret?: (secret: string) => { id: number; name: string } | undefined;
  /** A live worker token with this secret, if any (`agentora worker`: worker routes only). */
  workerBySecret?: (secret: string) => { id: number; name: string } | undefined;
  /** Whether a studio session cookie is live. */
  session?: (sid: string) => boolean;
  /** Origins the editor vouched for over its own connection (code-server's forwarded /proxy/<port>/). */
  editorOrigins?: () => ReadonlySet<string>;
}

export const MCP_KEY_AGENT = 'MCP key (AGENTORA_MISSIONS_MCP_API_KEY)';

export function createGuard(opts: GuardOptions): Guard {
  const hostNames = new Set([...LOOPBACK_NAMES, opts.configuredHost.toLowerCase()]);
  const allowedOrigin = (origin: string): boolean => {
    if (origin.startsWith('vscode-webview://')) return true; // the extension's own webviews
    try {
      const u = new URL(origin);
      return (
        (u.protocol === 'http:' || u.protocol === 'https:') &&
        hostNames.has(u.hostname.toLowerCase()) &&
        Number(u.port || (u.protocol === 'https:' ? 443 : 80)) === opts.port()
      );
    } catch {
      return false;
    }
  };
  const deny = (status: 401 | 403, message: string): GuardVerdict => ({ denied: { status, message } });
  const agent = (secret: string): CallCredential | null => {
    const a = opts.agentBySecret?.(secret);
    return a ? { kind: 'agent', id: a.id, name: a.name } : null;
  };
  return {
    check(headers, method, url) {
      // Host: a DNS-rebinding page arrives with its own name in Host; refuse anything but our names and port.
      const host = headers.host ?? '';
      const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host);
      const forwarded = editorForwarded(opts.editorOrigins?.() ?? new Set(), host, headers.origin);
      if ((!m || !hostNames.has(m[1]!.toLowerCase()) || Number(m[2] ?? 80) !== opts.port()) && !forwarded.host) {
        return deny(403, `Host '${host}' is not allowed: Agentora only answers on its loopback address`);
      }
      const origin = headers.origin;
      if (origin !== undefined && origin !== 'null' && !allowedOrigin(origin) && !forwarded.origin)
        return deny(403, `Origin '${origin}' is not allowed`);
      if (origin === 'null') return deny(403, "Origin 'null' is not allowed");
      if (isOpenRoute(method, url)) return { denied: null, credential: null };
      const auth = headers.authorization ?? '';
      const given = /^Bearer\s+(.+)$/i.exec(auth)?.[1]?.trim();
      // MCP doors: when an MCP key is set it is required there (Bearer or X-API-Key), instead of the operator token,
      // so outside MCP clients hold an agent credential rather than the whole API. Issued agent credentials work too.
      const mcpKey = opts.mcpApiKey?.() ?? '';
      if (mcpKey && isMcpRoute(url)) {
        const xKey = headers['x-api-key'];
        const candidate = (Array.isArray(xKey) ? xKey[0] : xKey)?.trim() || given;
        if (!candidate)
          return deny(
            401,
            'Missing MCP API key: send `X-API-Key: <key>` or `Authorization: Bearer <key>` (AGENTORA_MISSIONS_MCP_API_KEY, or an agent credential)',
          );
        if (tokensEqual(candidate, mcpKey)) return { denied: null, credential: { kind: 'agent', id: null, name: MCP_KEY_AGENT } };
        const a = agent(candidate);
        if (a) return { denied: null, credential: a };
        return deny(401, 'Invalid MCP API key');
      }
      if (given) {
        if (tokensEqual(given, opts.token())) return { denied: null, credential: { kind: 'operator', via: 'token' } };
        const a = agent(given);
        if (a) return { denied: null, credential: a };
        const w = opts.workerBySecret?.(given);
        if (w) return { denied: null, credential: { kind: 'worker', tokenId: w.id, name: w.name } };
        return deny(401, 'Invalid bearer token');
      }
      // The browser studio: a session cookie from a one-time studio link (HttpOnly, SameSite=Strict).
      const sid = sessionFromCookie(headers.cookie);
      if (sid && opts.session?.(sid)) return { denied: null, credential: { kind: 'operator', via: 'session' } };
      if (sid)
        return deny(
          401,
          'Your studio session has ended (the server restarted or it expired): open a fresh studio link (VS Code: Agentora: Open Studio; or the link `agentora serve` prints)',
        );
      return deny(
        401,
        'Missing bearer token: send `Authorization: Bearer <token>` (the operator token is in the data dir, file `token`; agents use an agent credential)',
      );
    },
  };
}
