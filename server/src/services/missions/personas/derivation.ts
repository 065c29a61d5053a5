// Pattern derivation as a background task (brief phase L; performance.md: "candidate derivation over 100k
// missions < 1 s off the request path"). A pattern read never derives: it answers at once with the persisted
// patterns and says how current they are (`derived`), and, when missions changed since the last derivation
// (the analytics generation moved), starts one — unless one is running. The read half runs in a worker thread on
// its own read-only connection (patternWorker.ts); the server applies the upserts in short batches. One
// derivation at a time per server; a write during one makes the next read start another. Nothing is lost on a
// crash: the persisted patterns stay, and the first read after a restart derives again.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ServerContext } from '../../../context';
import { nativeBindingPath } from '../../../store/db';
import { generationOf } from './cache';
import { readHistory, type History } from './patternHistory';

export interface DerivationStatus {
  /** The store's analytics generation now. */
  generation: number;
  /** The generation the persisted patterns were derived at (null: never, since this server started). */
  derived_generation: number | null;
  /** The persisted patterns reflect every mission write (derived_generation === generation). */
  current: boolean;
  /** A derivation is running in the background. */
  pending: boolean;
  /** Groups and duration (worker read + upserts, ms) of the last derivation; derived_at its end. */
  groups: number;
  ms: number;
  derived_at: string | null;
  error: string | null;
}

interface State {
  derivedGen: number | null;
  running: Promise<void> | null;
  groups: number;
  ms: number;
  derivedAt: string | null;
  error: string | null;
}
const states = new WeakMap<ServerContext, State>();
const stateOf = (ctx: ServerContext) => {
  let s = states.get(ctx);
  if (!s) states.set(ctx, (s = { derivedGen: null, running: null, groups: 0, ms: 0, derivedAt: null, error: null }));
  return s;
};

function workerFile(): string {
  // Bundled: dist/server/pattern-worker.js beside the server bundle; from sources (tsx): the .ts file.
  const bundled = path.join(__dirname, 'pattern-worker.js');
  return process.env.AGENTORA_BUNDLED === '1' && existsSync(bundled) ? bundled : path.join(__dirname, 'patternWorker.ts');
}

function readInWorker(dbFile: string): Promise<History> {
  return new Promise((resolve, reject) => {
    const binding = nativeBindingPath();
    const w = new Worker(workerFile(), { workerData: { file: dbFile, ...(binding ? { nativeBinding: binding } : {}) } });
    let done = false;
    const finish = (err: Error | null, h?: History) => {
      if (done) return;
      done = true;
      void w.terminate();
      if (err) reject(err);
      else resolve(h!);
    };
    w.once('message', (m: { ok: boolean; history?: History; error?: string }) =>
      m.ok ? finish(null, m.history) : finish(new Error(m.error ?? 'pattern worker failed')),
    );
    w.once('error', (err) => finish(err));
    w.once('exit', (code) => finish(new Error(`pattern worker exited with code ${code}`)));
  });
}

/**
 * Start a derivation if the patterns are behind the missions and none is running; returns at once.
 * `apply` writes the history's upserts (patterns.ts) and returns the number of groups.
 */
export function requestDerivation(ctx: ServerContext, apply: (h: History) => Promise<number>): DerivationStatus {
  const s = stateOf(ctx);
  const gen = generationOf(ctx);
  if (s.derivedGen !== gen && !s.running) {
    const started = performance.now();
    const file = ctx.db.name;
    // An in-memory store has no file a worker could open: read in-process, after this request answered.
    const read =
      file === ':memory:' || file === '' || !existsSync(file)
        ? new Promise<History>((resolve) => setImmediate(() => resolve(readHistory(ctx.db))))
        : readInWorker(file);
    s.running = read
      .then(async (h) => {
        s.groups = await apply(h);
        s.derivedGen = h.generation;
        s.ms = Math.round(performance.now() - started);
        s.derivedAt = new Date().toISOString();
        s.error = null;
      })
      .catch((err: Error) => {
        s.error = err.message;
        ctx.log?.warn?.(`pattern derivation failed: ${err.message}`);
      })
      .finally(() => {
        s.running = null;
      });
  }
  return statusOf(ctx, gen);
}

export function statusOf(ctx: ServerContext, gen = generationOf(ctx)): DerivationStatus {
  const s = stateOf(ctx);
  return {
    generation: gen,
    derived_generation: s.derivedGen,
    current: s.derivedGen === gen,
    pending: s.running !== null,
    groups: s.groups,
    ms: s.ms,
    derived_at: s.derivedAt,
    error: s.error,
  };
}

/** The running derivation, if any (tests and the bench wait on it instead of sleeping). */
export const derivationRunning = (ctx: ServerContext): Promise<void> | null => stateOf(ctx).running;
