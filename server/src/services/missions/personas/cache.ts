// The analytics cache: results of trends / matrix / insights / summaries keyed by route and filters, with a TTL
// and a size limit (AGENTORA_ANALYTICS_CACHE_*). Staleness is impossible by construction: every entry keeps the
// store's analytics generation it was computed at (mission_analytics_gen, bumped by triggers on every write an
// analytic reads — launch, refresh, writeback, decisions, templates; migration 40), and a read at another
// generation drops the whole cache first. Entries that also read refresh_count (cohorts) keep the refresh
// generation too (refresh_gen, migration 48: it moves on every watcher refresh, which must not drop trends or
// the matrix), and are recomputed when it moved. Per server (never a module singleton).
import type { z } from 'zod';
import type { ServerContext } from '../../../context';
import { AppError } from '../../../protocol/errors';
import { prep } from './analytics';

interface Entry {
  value: unknown;
  /** The value as validated JSON (UTF-8) for REST answers (made on the first REST read of the entry). */
  json: Buffer | null;
  generation: number;
  /** The refresh generation it was computed at, for entries that read refresh_count; null for the others. */
  refreshGen: number | null;
  at: number;
  computed_at: string;
  hits: number;
}

interface CacheState {
  entries: Map<string, Entry>;
  generation: number;
  hits: number;
  misses: number;
  invalidations: number;
}

const states = new WeakMap<ServerContext, CacheState>();
function stateOf(ctx: ServerContext): CacheState {
  let s = states.get(ctx);
  if (!s) states.set(ctx, (s = { entries: new Map(), generation: 0, hits: 0, misses: 0, invalidations: 0 }));
  return s;
}

export const generationOf = (ctx: ServerContext): number => generationsOf(ctx)[0];
/** [the analytics generation, the refresh generation], in one read. */
const generationsOf = (ctx: ServerContext): [number, number] =>
  prep(ctx.db, 'SELECT gen, refresh_gen FROM mission_analytics_gen WHERE k = 1').raw().get() as [number, number];

/** What a cached analytic reads beyond the analytics columns: `refresh` — refresh_count (cohorts, insights). */
export interface CacheDeps {
  refresh?: boolean;
}

/** A stable key: the route and its filters in key order (undefined filters left out). */
export function cacheKey(route: string, filters: Record<string, unknown>): string {
  const parts = Object.keys(filters)
    .filter((k) => filters[k] !== undefined && filters[k] !== null)
    .sort()
    .map((k) => `${k}=${String(filters[k])}`);
  return `${route}?${parts.join('&')}`;
}

export interface CacheMeta {
  cache_key: string;
  cached: boolean;
  generation: number;
  computed_at: string;
  age_ms: number;
  ttl_seconds: number;
}

/** The entry of a key: the cached one when current, else computed now (and kept, when the cache is on). */
function entryOf(ctx: ServerContext, key: string, compute: () => unknown, deps: CacheDeps = {}): { entry: Entry; meta: CacheMeta } {
  const s = stateOf(ctx);
  const ttl = ctx.config['analytics.cacheTtlSeconds'];
  const [gen, refreshGen] = generationsOf(ctx);
  if (gen !== s.generation) {
    // Something an analytic reads was written since: nothing cached is current any more.
    s.invalidations += s.entries.size;
    s.entries.clear();
    s.generation = gen;
  }
  const now = Date.now();
  const hit = s.entries.get(key);
  if (ctx.config['analytics.cacheEnabled'] && hit && now - hit.at < ttl * 1000 && (hit.refreshGen === null || hit.refreshGen === refreshGen)) {
    hit.hits++;
    s.hits++;
    return {
      entry: hit,
      meta: { cache_key: key, cached: true, generation: gen, computed_at: hit.computed_at, age_ms: now - hit.at, ttl_seconds: ttl },
    };
  }
  s.misses++;
  const value = compute();
  const computed_at = new Date().toISOString();
  const entry: Entry = { value, json: null, generation: gen, refreshGen: deps.refresh ? refreshGen : null, at: now, computed_at, hits: 0 };
  if (ctx.config['analytics.cacheEnabled']) {
    s.entries.delete(key);
    s.entries.set(key, entry);
    // Oldest first out (Map keeps insertion order).
    while (s.entries.size > ctx.config['analytics.cacheMaxEntries']) s.entries.delete(s.entries.keys().next().value!);
  }
  return { entry, meta: { cache_key: key, cached: false, generation: gen, computed_at, age_ms: 0, ttl_seconds: ttl } };
}

export function cached<T>(ctx: ServerContext, key: string, compute: () => T, deps?: CacheDeps): { value: T; meta: CacheMeta } {
  const { entry, meta } = entryOf(ctx, key, compute, deps);
  return { value: entry.value as T, meta };
}

/** A result checked against its method's schema, as the registry checks every result (the parsed copy). */
export function validated(ctx: ServerContext, result: z.ZodType, method: string, value: unknown): unknown {
  const out = result.safeParse(value);
  if (!out.success) {
    ctx.log.error(`${method} returned a result that does not match its schema`, out.error.issues);
    throw new AppError('internal', `${method} produced an invalid result`);
  }
  return out.data;
}

/**
 * The REST answer of a cached analytic as JSON bytes: its result (the cached value plus cache_metadata) checked
 * against the method's result schema and serialized once per entry, then only cache_metadata (the age, hit or
 * miss) is written per request — a cache hit neither validates nor serializes the analytic again.
 */
export function cachedJson(
  ctx: ServerContext,
  key: string,
  compute: () => object,
  result: z.ZodType,
  method: string,
  /** deps: what else the analytic reads; withMeta false: a result without cache_metadata (cohorts' wire shape). */
  opts: { deps?: CacheDeps; withMeta?: boolean } = {},
): Buffer {
  const withMeta = opts.withMeta ?? true;
  const { entry, meta } = entryOf(ctx, key, compute, opts.deps);
  if (entry.json === null) {
    const checked = validated(ctx, result, method, withMeta ? { ...(entry.value as object), cache_metadata: meta } : entry.value);
    const { cache_metadata: _meta, ...rest } = checked as Record<string, unknown>;
    entry.json = Buffer.from(JSON.stringify(rest));
  }
  const body = entry.json;
  if (!withMeta) return body;
  // cache_metadata first, then the entry's bytes (one memcpy outside the JS heap): a hit neither re-encodes nor
  // re-measures the body — a 17 kB string per request (flattened, scanned for its length, encoded) kept the
  // young generation filling, and its scavenges were the tail of cached answers.
  const head = Buffer.from(`{"cache_metadata":${JSON.stringify(meta)}${body.length > 2 ? ',' : '}'}`);
  return body.length > 2 ? Buffer.concat([head, body.subarray(1)]) : head;
}

export function cacheInfo(ctx: ServerContext) {
  const s = stateOf(ctx);
  const [gen, refreshGen] = generationsOf(ctx);
  const now = Date.now();
  const ttl = ctx.config['analytics.cacheTtlSeconds'] * 1000;
  // Entries of another generation or past their TTL are not served: they do not count.
  const live = [...s.entries].filter(([, e]) => e.generation === gen && (e.refreshGen === null || e.refreshGen === refreshGen) && now - e.at < ttl);
  return {
    ok: true,
    enabled: ctx.config['analytics.cacheEnabled'],
    ttl_seconds: ctx.config['analytics.cacheTtlSeconds'],
    max_entries: ctx.config['analytics.cacheMaxEntries'],
    generation: gen,
    entries: live.length,
    hits: s.hits,
    misses: s.misses,
    invalidations: s.invalidations,
    keys: live.map(([key, e]) => ({ key, age_ms: now - e.at, hits: e.hits, generation: e.generation })),
  };
}

export function invalidate(ctx: ServerContext, prefix?: string) {
  const s = stateOf(ctx);
  let n = 0;
  for (const k of [...s.entries.keys()])
    if (!prefix || k.startsWith(prefix)) {
      s.entries.delete(k);
      n++;
    }
  s.invalidations += n;
  return { ok: true, invalidated: n, remaining: s.entries.size };
}
