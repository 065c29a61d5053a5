// Studio sessions: a studio link carries a one-time code (never the token); opening it exchanges the code for an
// HttpOnly, SameSite=Strict session cookie and the code is spent. A link left in the browser's history is then
// useless. Codes and sessions live in memory: a restart ends every session (open a fresh link).
import { randomBytes } from 'node:crypto';
import type { ServerContext } from '../../context';
import { sha256 } from './store';

export const SESSION_COOKIE = 'agentora_session';
/** A code not used within this time expires (a link printed at start and forgotten in a terminal). */
const CODE_TTL_MS = 60 * 60 * 1000;
const SESSION_TTL_MS = 7 * 24 * 60 * 60 * 1000;
const MAX_OPEN_CODES = 100;

interface SessionState {
  /** sha256(code) → expiry. */
  codes: Map<string, number>;
  /** sha256(session id) → expiry. */
  sessions: Map<string, number>;
}

const states = new WeakMap<ServerContext, SessionState>();
function stateOf(ctx: ServerContext): SessionState {
  let s = states.get(ctx);
  if (!s) states.set(ctx, (s = { codes: new Map(), sessions: new Map() }));
  return s;
}

export function issueStudioCode(ctx: ServerContext): string {
  const s = stateOf(ctx);
  const now = Date.now();
  for (const [k, exp] of s.codes) if (exp < now || s.codes.size >= MAX_OPEN_CODES) s.codes.delete(k);
  const code = randomBytes(24).toString('base64url');
  s.codes.set(sha256(code), now + CODE_TTL_MS);
  return code;
}

export function studioLink(ctx: ServerContext, base: string): string {
  return `${base}/?code=${issueStudioCode(ctx)}`;
}

/** Spend a code: a new session id, or null when the code is unknown, used or expired. */
export function exchangeCode(ctx: ServerContext, code: string): string | null {
  const s = stateOf(ctx);
  const key = sha256(code);
  const exp = s.codes.get(key);
  s.codes.delete(key);
  if (exp === undefined || exp < Date.now()) return null;
  const sid = randomBytes(32).toString('base64url');
  s.sessions.set(sha256(sid), Date.now() + SESSION_TTL_MS);
  return sid;
}

export function sessionValid(ctx: ServerContext, sid: string): boolean {
  const s = stateOf(ctx);
  const key = sha256(sid);
  const exp = s.sessions.get(key);
  if (exp === undefined) return false;
  if (exp < Date.now()) {
    s.sessions.delete(key);
    return false;
  }
  return true;
}

export function sessionCookie(sid: string): string {
  return `${SESSION_COOKIE}=${sid}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_TTL_MS / 1000}`;
}

/** The session id from a Cookie header, if any. */
export function sessionFromCookie(header: string | undefined): string | null {
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === SESSION_COOKIE) return part.slice(i + 1).trim() || null;
  }
  return null;
}
