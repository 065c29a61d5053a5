// Integration API keys are bound to the origin they were stored for, as a browser binds credentials: the first
// time the server sees a key it records the origin of the URL in effect; if the URL later points at another
// origin (a changed `agentception.url` / `phios.url`), the key is withheld — no `Authorization` header goes there —
// until the operator re-enters a key or binds this one to the new origin (agentora/credentials/bindApiKey).
import type { Config } from '../../config';
import type { Db } from '../../store/db';
import { sha256 } from './store';

export type KeyedSystem = 'phios' | 'agentception';
export const KEYED: readonly KeyedSystem[] = ['phios', 'agentception'];

export interface WithheldKey {
  system: KeyedSystem;
  bound_origin: string;
  url_origin: string;
}

const keyOf = (s: KeyedSystem) => `${s}.apiKey` as const;
const urlOf = (s: KeyedSystem) => `${s}.url` as const;

function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

function boundOrigin(db: Db, system: KeyedSystem, key: string): string | null {
  return (
    (db.prepare('SELECT origin FROM api_key_origins WHERE system = ? AND key_hash = ?').get(system, sha256(key)) as { origin: string } | undefined)
      ?.origin ?? null
  );
}

export function bindKey(db: Db, system: KeyedSystem, key: string, origin: string): void {
  db.prepare(
    'INSERT INTO api_key_origins (system, key_hash, origin, bound_at) VALUES (?, ?, ?, ?) ON CONFLICT(system, key_hash) DO UPDATE SET origin = excluded.origin, bound_at = excluded.bound_at',
  ).run(system, sha256(key), origin, new Date().toISOString());
}

/** The config the bridges may use: each key bound on first sight, withheld (blank) where the URL left its origin. */
export function applyKeyBindings(db: Db, config: Config): { config: Config; withheld: WithheldKey[] } {
  const withheld: WithheldKey[] = [];
  let out = config;
  for (const system of KEYED) {
    const key = config[keyOf(system)];
    const origin = originOf(config[urlOf(system)]);
    if (!key || !origin) continue;
    const bound = boundOrigin(db, system, key);
    if (bound === null) bindKey(db, system, key, origin);
    else if (bound !== origin) {
      withheld.push({ system, bound_origin: bound, url_origin: origin });
      out = { ...out, [keyOf(system)]: '' };
    }
  }
  return { config: out, withheld };
}

const LABEL: Record<KeyedSystem, { title: string; env: string }> = {
  phios: { title: 'PhiOS', env: 'AGENTORA_PHIOS_API_KEY' },
  agentception: { title: 'AgentCeption', env: 'AGENTORA_AGENTCEPTION_API_KEY' },
};

export function withheldMessage(w: WithheldKey): { detail: string; fix_hint: string } {
  const l = LABEL[w.system];
  return {
    detail: `the ${l.title} API key was stored for ${w.bound_origin}, but ${w.system}.url now points at ${w.url_origin}: the key is not sent there`,
    fix_hint: `If ${w.url_origin} is really your ${l.title}, re-enter its key for the new origin (${l.env}, or 'Agentora: Set Secret' in VS Code), or bind the current key to it: POST /api/credentials/api-keys/${w.system}/bind with the operator token.`,
  };
}

/** Per server: the keys withheld now, and the configuration before withholding (to bind a withheld key). */
const bindingsByCtx = new WeakMap<object, { withheld: WithheldKey[]; raw: Config }>();
export const setBindings = (ctx: object, raw: Config, withheld: WithheldKey[]) => bindingsByCtx.set(ctx, { raw, withheld });
export const withheldOf = (ctx: object): WithheldKey[] => bindingsByCtx.get(ctx)?.withheld ?? [];
export const rawConfigOf = (ctx: object): Config | undefined => bindingsByCtx.get(ctx)?.raw;

/** The doctor's item: one line per withheld key, or ok. */
export function checkApiKeyOrigins(ctx: object): {
  key: string;
  title: string;
  ok: boolean;
  severity: 'ok' | 'warn';
  detail: string;
  fix_hint: string;
} {
  const w = withheldOf(ctx);
  if (!w.length)
    return {
      key: 'api_key_origins',
      title: 'API key origins',
      ok: true,
      severity: 'ok',
      detail: 'every stored API key is sent only to the origin it was stored for',
      fix_hint: '',
    };
  const msgs = w.map(withheldMessage);
  return {
    key: 'api_key_origins',
    title: 'API key origins',
    ok: false,
    severity: 'warn',
    detail: msgs.map((m) => m.detail).join('; '),
    fix_hint: msgs.map((m) => m.fix_hint).join(' '),
  };
}
