// The server's doors (design/security.md): Host and Origin checks on every request, a bearer token on every
// route except health. These run before routing, so an unknown path from a foreign origin is refused too.
import type { IncomingHttpHeaders } from 'node:http';
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

export interface Guard {
  check(headers: IncomingHttpHeaders, method: string, url: string): { status: 401 | 403; message: string } | null;
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

export function createGuard(opts: { configuredHost: string; port: () => number; token: () => string; mcpApiKey?: () => string; editorOrigins?: () => ReadonlySet<string> }): Guard {
  const hostNames = new Set([...LOOPBACK_NAMES, opts.configuredHost.toLowerCase()]);
  const allowedOrigin = (origin: string): boolean => {
    if (origin.startsWith('vscode-webview://')) return true; // the extension's own webviews
    try {
      const u = new URL(origin);
      return u.protocol === 'http:' && hostNames.has(u.hostname.toLowerCase()) && Number(u.port || 80) === opts.port();
    } catch {
      return false;
    }
  };
  return {
    check(headers, method, url) {
      // Host: a DNS-rebinding page arrives with its own name in Host; refuse anything but our names and port.
      const host = headers.host ?? '';
      const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host);
      const forwarded = editorForwarded(opts.editorOrigins?.() ?? new Set(), host, headers.origin);
      if ((!m || !hostNames.has(m[1]!.toLowerCase()) || Number(m[2] ?? 80) !== opts.port()) && !forwarded.host) {
        return { status: 403, message: `Host '${host}' is not allowed: Agentora only answers on its loopback address` };
      }
      const origin = headers.origin;
      if (origin !== undefined && origin !== 'null' && !allowedOrigin(origin) && !forwarded.origin) {
        return { status: 403, message: `Origin '${origin}' is not allowed` };
      }
      if (origin === 'null') return { status: 403, message: "Origin 'null' is not allowed" };
      if (isOpenRoute(method, url)) return null;
      const auth = headers.authorization ?? '';
      const given = /^Bearer\s+(.+)$/i.exec(auth)?.[1]?.trim();
      // MCP doors: when an MCP key is set it is required there (Bearer or X-API-Key), instead of the server token,
      // so outside MCP clients get a key scoped to the mission tools rather than the whole API.
      const mcpKey = opts.mcpApiKey?.() ?? '';
      if (mcpKey && isMcpRoute(url)) {
        const xKey = headers['x-api-key'];
        const candidate = (Array.isArray(xKey) ? xKey[0] : xKey)?.trim() || given;
        if (!candidate) return { status: 401, message: 'Missing MCP API key: send `X-API-Key: <key>` or `Authorization: Bearer <key>` (AGENTORA_MISSIONS_MCP_API_KEY)' };
        if (!tokensEqual(candidate, mcpKey)) return { status: 401, message: 'Invalid MCP API key' };
        return null;
      }
      if (!given) return { status: 401, message: 'Missing bearer token: send `Authorization: Bearer <token>` (the token is in the data dir, file `token`)' };
      if (!tokensEqual(given, opts.token())) return { status: 401, message: 'Invalid bearer token' };
      return null;
    },
  };
}
