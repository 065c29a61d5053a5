// The database integrity check, off the event loop: `PRAGMA quick_check` reads the whole file (2.8–3.8 s at
// 100k missions), so it runs in a worker thread on its own read-only connection while the server keeps
// answering. Results are cached per server with their time; the doctor shows the age and re-runs on demand.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ServerContext } from '../../context';
import { nativeBindingPath } from '../../store/db';

export interface IntegrityResult {
  ok: boolean;
  /** quick_check's lines (`ok`, or the first problems found). */
  rows: string[];
  error?: string;
  ms: number;
  checked_at: string;
}

interface State {
  last: IntegrityResult | null;
  running: Promise<IntegrityResult> | null;
}
const states = new WeakMap<ServerContext, State>();
const stateOf = (ctx: ServerContext) => {
  let s = states.get(ctx);
  if (!s) states.set(ctx, (s = { last: null, running: null }));
  return s;
};

/** A cached result older than this is re-checked in the background (the stale one is shown meanwhile). */
export const INTEGRITY_MAX_AGE_MS = 10 * 60_000;

function workerFile(): { file: string; execArgv?: string[] } {
  // Bundled: dist/server/integrity-worker.js beside the server bundle. From sources (tsx): the .ts file, with
  // the parent's --import tsx loader inherited.
  const bundled = path.join(__dirname, 'integrity-worker.js');
  if (process.env.AGENTORA_BUNDLED === '1' && existsSync(bundled)) return { file: bundled };
  return { file: path.join(__dirname, 'integrityWorker.ts') };
}

function runInWorker(dbFile: string): Promise<Omit<IntegrityResult, 'checked_at'>> {
  return new Promise((resolve) => {
    const { file } = workerFile();
    const binding = nativeBindingPath();
    const w = new Worker(file, { workerData: { file: dbFile, ...(binding ? { nativeBinding: binding } : {}) } });
    let done = false;
    const finish = (r: Omit<IntegrityResult, 'checked_at'>) => {
      if (done) return;
      done = true;
      resolve(r);
      void w.terminate();
    };
    w.once('message', (m: Omit<IntegrityResult, 'checked_at'>) => finish(m));
    w.once('error', (err) => finish({ ok: false, rows: [], error: err.message, ms: 0 }));
    w.once('exit', (code) => finish({ ok: false, rows: [], error: `integrity worker exited with code ${code}`, ms: 0 }));
  });
}

/** Run the check now (one at a time per server: callers during a run share it). */
export function checkIntegrityNow(ctx: ServerContext): Promise<IntegrityResult> {
  const s = stateOf(ctx);
  if (s.running) return s.running;
  const dbFile = ctx.db.name;
  s.running = (
    dbFile === ':memory:' || !existsSync(dbFile)
      ? Promise.resolve({ ok: true, rows: ['ok'], ms: 0, error: 'in-memory database: nothing to check' })
      : runInWorker(dbFile)
  )
    .then((r) => {
      const result = { ...r, checked_at: new Date().toISOString() };
      s.last = result;
      return result;
    })
    .finally(() => {
      s.running = null;
    });
  return s.running;
}

/**
 * The latest result: cached unless `refresh` or there is none yet (then it waits for the worker — off the event
 * loop, so only this request waits). A stale cached result is returned at once and re-checked behind it.
 */
export async function integrity(ctx: ServerContext, refresh: boolean): Promise<{ result: IntegrityResult; cached: boolean }> {
  const s = stateOf(ctx);
  if (!refresh && s.last) {
    if (Date.now() - Date.parse(s.last.checked_at) > INTEGRITY_MAX_AGE_MS) void checkIntegrityNow(ctx);
    return { result: s.last, cached: true };
  }
  return { result: await checkIntegrityNow(ctx), cached: false };
}
