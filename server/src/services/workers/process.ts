// The `agentora worker` process (runs on the second machine): register → heartbeat on a timer → long-poll for
// jobs → run them with this machine's own Ollama → report under the lease. It outlives server restarts and
// network drops: every call retries with backoff, it re-registers as the same worker (so its leases stay its own),
// and a result is re-sent until the server answers — accepted once, or refused (409) when the lease was lost.
import pkg from '../../../../package.json';
import { MockProvider } from '../../bridges/models/mock';
import { OllamaProvider } from '../../bridges/models/ollama';
import type { ModelProvider } from '../../bridges/models/types';
import { ClaimedJob, type JobType } from '../../protocol/workers';
import { executeJob } from './execute';
import { createClient, HttpFail, PinError } from './httpClient';
import { LocalRefusal, runActionHere } from './workerActions';

export interface WorkerOptions {
  server: string;
  token: string;
  name: string;
  capabilities: JobType[];
  concurrency: number;
  /** Tools of `action` jobs this machine's own policy allows (the server's token list must allow them too). */
  allowActions: string[];
  /** SHA-256 fingerprint of the server's certificate (https servers). */
  fingerprint?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** This machine's models: its own Ollama (the point of a second PC), or the mock when asked. */
function workerModels(env = process.env): ModelProvider {
  if (/^(1|true|yes|on)$/i.test(env.AGENTORA_USE_MOCK_OLLAMA ?? '')) return new MockProvider();
  return new OllamaProvider({
    host: env.AGENTORA_OLLAMA_URL || 'http://127.0.0.1:11434',
    chatModel: env.AGENTORA_OLLAMA_CHAT_MODEL || 'llama3.2',
    embedModel: env.AGENTORA_OLLAMA_EMBED_MODEL || 'nomic-embed-text',
    timeoutMs: Number(env.AGENTORA_OLLAMA_TIMEOUT_SECONDS || 300) * 1000,
  });
}

export async function runWorker(o: WorkerOptions): Promise<void> {
  const models = workerModels();
  const log = (s: string) => process.stdout.write(`[worker ${o.name}] ${s}\n`);
  let workerId: number | undefined;
  let timing = { lease_seconds: 30, heartbeat_seconds: 10, claim_wait_seconds: 25 };
  const running = new Map<number, { lease_id: string; ac: AbortController }>();
  const dropped = new Set<number>();
  /** Action jobs whose side effect started: never dropped (it cannot be undone); the result is reported by key. */
  const started = new Set<number>();
  let stopping = false;
  let needRegister = true;
  let slotFreed: (() => void) | null = null;
  const poll = { ac: new AbortController() };

  const fatal = (e: HttpFail) => {
    log(`the server refused this worker's token (${e.status}: ${e.message}); stopping. Ask the operator for a new token.`);
    process.exit(3);
  };
  let client: ReturnType<typeof createClient>;
  try {
    client = createClient(o.server, o.token, o.fingerprint);
  } catch (e) {
    log(`cannot start: ${(e as Error).message}`);
    process.exit(64);
  }
  async function api(path: string, body: unknown, signal?: AbortSignal): Promise<Record<string, unknown>> {
    try {
      return await client.post(path, body, signal);
    } catch (e) {
      if (e instanceof HttpFail && (e.status === 401 || e.status === 403)) fatal(e);
      if (e instanceof PinError) {
        log(`refusing the server: ${e.message}`);
        process.exit(4);
      }
      throw e;
    }
  }

  async function register(): Promise<void> {
    let backoff = 250;
    while (!stopping) {
      try {
        const r = await api('/api/workers/register', {
          name: o.name,
          capabilities: o.capabilities,
          concurrency: o.concurrency,
          version: pkg.version,
          clock_ms: Date.now(),
          ...(workerId !== undefined ? { worker_id: workerId } : {}),
        });
        const w = r.worker as { id: number };
        if (workerId !== undefined && w.id !== workerId) log(`the server did not know worker #${workerId}; now worker #${w.id}`);
        workerId = w.id;
        timing = {
          lease_seconds: Number(r.lease_seconds ?? 30),
          heartbeat_seconds: Number(r.heartbeat_seconds ?? 10),
          claim_wait_seconds: Number(r.claim_wait_seconds ?? 25),
        };
        needRegister = false;
        log(`registered as worker #${workerId} (capabilities ${o.capabilities.join(',')}, concurrency ${o.concurrency})`);
        return;
      } catch (e) {
        log(`cannot register (${(e as Error).message}); retrying in ${backoff} ms`);
        await sleep(backoff + Math.random() * 100);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }

  async function heartbeatLoop(): Promise<void> {
    while (!stopping) {
      await sleep(timing.heartbeat_seconds * 1000);
      if (stopping || needRegister || workerId === undefined) continue;
      try {
        const r = await api('/api/workers/heartbeat', {
          worker_id: workerId,
          status: running.size ? 'busy' : 'idle',
          running: [...running].map(([id, j]) => ({ id, lease_id: j.lease_id })),
          clock_ms: Date.now(),
        });
        for (const id of (r.drop as number[] | undefined) ?? []) {
          const j = running.get(id);
          if (!j || started.has(id)) continue;
          log(`job ${id}: lease lost (expired or cancelled); dropping it`);
          dropped.add(id);
          j.ac.abort();
        }
      } catch (e) {
        if (e instanceof HttpFail && e.status === 404) needRegister = true;
        // network errors: the poll loop notices and reconnects
      }
    }
  }

  async function report(job: ClaimedJob, outcome: { result: unknown; key?: string } | { error: string; retryable: boolean }): Promise<void> {
    let delay = 250;
    for (;;) {
      if (dropped.has(job.id)) return;
      try {
        if ('result' in outcome) {
          const r = await api(`/api/workers/jobs/${job.id}/result`, {
            lease_id: job.lease_id,
            result: outcome.result,
            ...(outcome.key ? { idempotency_key: outcome.key } : {}),
          });
          log(`job ${job.id} (${job.job_type}) done${r.duplicate ? ' (already recorded)' : ''}`);
        } else {
          await api(`/api/workers/jobs/${job.id}/fail`, { lease_id: job.lease_id, error: outcome.error, retryable: outcome.retryable });
          log(`job ${job.id} (${job.job_type}) failed: ${outcome.error}`);
        }
        return;
      } catch (e) {
        if (e instanceof HttpFail && e.status < 500) {
          log(`report for job ${job.id} refused (${e.status}): ${e.message}`);
          return;
        }
        if (stopping) return;
        await sleep(delay); // the server is away (restart, network): heartbeats renew the lease once it is back
        delay = Math.min(delay * 2, 2000);
      }
    }
  }

  async function run(job: ClaimedJob): Promise<void> {
    const ac = new AbortController();
    running.set(job.id, { lease_id: job.lease_id, ac });
    log(`job ${job.id} (${job.job_type}) claimed, attempt ${job.attempt}`);
    try {
      let outcome: { result: unknown; key?: string } | { error: string; retryable: boolean };
      if (job.job_type === 'action') {
        const o2 = await runAction(job);
        if (!o2) return;
        outcome = o2;
      } else {
        try {
          outcome = { result: await executeJob(job.job_type, job.payload, models, ac.signal) };
        } catch (e) {
          outcome = { error: (e as Error)?.message ?? String(e), retryable: true };
        }
      }
      await report(job, outcome);
    } finally {
      running.delete(job.id);
      dropped.delete(job.id);
      started.delete(job.id);
      slotFreed?.();
    }
  }

  /** An action job: this machine's policy first, then `start` under the lease (refused: do nothing), then run once. */
  async function runAction(job: ClaimedJob): Promise<{ result: unknown; key?: string } | { error: string; retryable: boolean } | null> {
    let key: string | undefined;
    try {
      const r = await runActionHere(job.payload, o.allowActions, async () => {
        const s = await api(`/api/workers/jobs/${job.id}/start`, { lease_id: job.lease_id });
        started.add(job.id);
        key = (s.idempotency_key as string | null) ?? undefined;
      });
      return { result: r, key };
    } catch (e) {
      if (e instanceof LocalRefusal) return { error: e.message, retryable: false };
      if (e instanceof HttpFail && e.status === 409) {
        log(`job ${job.id}: the server refused the start (${e.message}); not run`);
        return null;
      }
      return { error: `the action could not start here: ${(e as Error)?.message ?? String(e)}`, retryable: false };
    }
  }

  const stop = async () => {
    if (stopping) return;
    stopping = true;
    poll.ac.abort();
    for (const j of running.values()) j.ac.abort();
    if (workerId !== undefined) await api('/api/workers/goodbye', { worker_id: workerId }, AbortSignal.timeout(2000)).catch(() => undefined);
    log('stopped');
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  let backoff = 250;
  let beating = false;
  while (!stopping) {
    if (needRegister) await register();
    // Heartbeats start once the server told the interval (waiting the default 10 s first left a worker under a
    // shorter setting stale until its first long-poll came back).
    if (!beating && !needRegister) {
      beating = true;
      void heartbeatLoop();
    }
    const free = o.concurrency - running.size;
    if (free <= 0) {
      await new Promise<void>((r) => (slotFreed = r));
      slotFreed = null;
      continue;
    }
    try {
      poll.ac = new AbortController();
      const r = await api('/api/workers/claim', { worker_id: workerId, max: free, wait_seconds: timing.claim_wait_seconds }, poll.ac.signal);
      backoff = 250;
      for (const raw of (r.jobs as unknown[]) ?? []) {
        const job = ClaimedJob.safeParse(raw);
        if (job.success) void run(job.data);
        else log(`ignored a malformed job: ${job.error.message}`);
      }
    } catch (e) {
      if (stopping) break;
      if (e instanceof HttpFail && e.status === 404) needRegister = true;
      else {
        log(`lost the server (${(e as Error).message}); reconnecting in ${backoff} ms`);
        await sleep(backoff + Math.random() * 100);
        backoff = Math.min(backoff * 2, 5000);
        needRegister = true;
      }
    }
  }
}
