// The doctor's checks. Each returns one item with a severity, what it found, and how to fix it. Checks never
// throw: a failure to check is itself a finding.
import { accessSync, constants, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DoctorItem, Severity } from '../../protocol/system';
import type { ServerContext } from '../../context';
import { latestVersion, schemaVersion } from '../../store/db';
import { ModelProviderError } from '../../bridges/models';
import type { BridgeHealth } from '../../bridges/missions/types';
import { createRealAgentception, createRealPhios } from '../../bridges/missions/real';
import { integrity } from './integrity';
import { workersDoctorItem } from '../workers/doctor';

const MIN_NODE_MAJOR = 20;

function item(key: string, title: string, severity: Severity, detail: string, fix_hint = ''): DoctorItem {
  return { key, title, ok: severity === 'ok' || severity === 'info', severity, detail, fix_hint };
}

export function checkNodeRuntime(): DoctorItem {
  const major = Number(process.versions.node.split('.')[0]);
  return major >= MIN_NODE_MAJOR
    ? item('node_runtime', 'Node runtime', 'ok', `Node ${process.version} (${process.execPath})`)
    : item(
        'node_runtime',
        'Node runtime',
        'error',
        `Node ${process.version} is older than ${MIN_NODE_MAJOR}`,
        `Install Node ${MIN_NODE_MAJOR}+ and point agentora.server.runtime at it.`,
      );
}

export function checkSqliteNative(ctx: ServerContext): DoctorItem {
  try {
    const row = ctx.db.prepare('SELECT sqlite_version() AS v').get() as { v: string };
    const fts = ctx.db.prepare("SELECT sqlite_compileoption_used('ENABLE_FTS5') AS f").get() as { f: number };
    return item(
      'sqlite_native',
      'SQLite native module',
      'ok',
      `better-sqlite3 loaded, SQLite ${row.v}${fts.f ? ', FTS5 available' : ', FTS5 missing'}`,
    );
  } catch (err) {
    return item(
      'sqlite_native',
      'SQLite native module',
      'error',
      `better-sqlite3 failed: ${(err as Error).message}`,
      'Rebuild it for this Node: `npm rebuild better-sqlite3` (or reinstall the extension).',
    );
  }
}

export function checkDataDir(ctx: ServerContext): DoctorItem {
  const dir = ctx.config.dataDir;
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    const probe = path.join(dir, `.write-probe-${process.pid}`);
    writeFileSync(probe, 'ok');
    rmSync(probe);
    return item('data_dir', 'Data directory', 'ok', `${dir} is writable`);
  } catch (err) {
    return item(
      'data_dir',
      'Data directory',
      'error',
      `${dir} is not writable: ${(err as Error).message}`,
      `Fix the permissions of ${dir}, or set AGENTORA_DATA_DIR to a writable folder.`,
    );
  }
}

/** Seconds → "12 s" / "3 min" / "2 h" for the age of a cached check. */
function age(ms: number): string {
  const sec = Math.max(0, Math.round(ms / 1000));
  return sec < 120 ? `${sec} s` : sec < 7200 ? `${Math.round(sec / 60)} min` : `${Math.round(sec / 3600)} h`;
}

export async function checkDatabase(ctx: ServerContext, refresh = false): Promise<DoctorItem> {
  try {
    // quick_check reads every page: it runs in a worker thread on its own read-only connection (integrity.ts),
    // and its result is cached with its time, so the doctor never stalls the server.
    const { result, cached } = await integrity(ctx, refresh);
    const have = schemaVersion(ctx.db);
    const want = latestVersion();
    const ageMs = Date.now() - Date.parse(result.checked_at);
    const when = `quick_check ${cached ? `${age(ageMs)} ago` : 'just now'}, ${Math.round(result.ms)} ms off the event loop`;
    const extra = { checked_at: result.checked_at, age_seconds: Math.round(ageMs / 1000), cached, duration_ms: Math.round(result.ms) };
    const healthy = result.ok && result.rows.length === 1 && result.rows[0] === 'ok';
    if (!result.ok)
      return {
        ...item(
          'database',
          'Database',
          'error',
          `cannot check the database: ${result.error ?? 'unknown error'}`,
          'Run Bootstrap; if it persists, see docs/troubleshooting.md.',
        ),
        ...extra,
      };
    if (!healthy)
      return {
        ...item(
          'database',
          'Database',
          'error',
          `integrity problems: ${result.rows.slice(0, 3).join('; ')} (${when})`,
          'Stop Agentora, back up agentora.db, and run `sqlite3 agentora.db ".recover"` into a new file.',
        ),
        ...extra,
      };
    if (have < want)
      return {
        ...item(
          'database',
          'Database',
          'warn',
          `schema at version ${have}, code expects ${want} (${when})`,
          'Run Bootstrap (it applies pending migrations).',
        ),
        ...extra,
      };
    return { ...item('database', 'Database', 'ok', `integrity ok, schema version ${have}/${want} (${when})`), ...extra };
  } catch (err) {
    return item(
      'database',
      'Database',
      'error',
      `cannot check the database: ${(err as Error).message}`,
      'Run Bootstrap; if it persists, see docs/troubleshooting.md.',
    );
  }
}

export async function checkOllama(ctx: ServerContext): Promise<DoctorItem> {
  const models = ctx.models;
  if (models.kind === 'mock')
    return item(
      'ollama',
      'Models (Ollama)',
      'info',
      'mock model provider in use (AGENTORA_USE_MOCK_OLLAMA=true): deterministic replies and embeddings, no Ollama needed',
      'To use real models: install Ollama, run `ollama serve`, and set AGENTORA_USE_MOCK_OLLAMA=false.',
    );
  try {
    const list = await models.listModels(AbortSignal.timeout(3000));
    const names = new Set(list.flatMap((m) => [m.name, m.name.replace(/:latest$/, '')]));
    const wanted = [models.defaultChatModel, models.defaultEmbedModel].filter(Boolean);
    const missing = wanted.filter((w) => !names.has(w) && !names.has(w.replace(/:latest$/, '')));
    if (missing.length)
      return item(
        'ollama',
        'Models (Ollama)',
        'warn',
        `Ollama at ${models.host} is up with ${list.length} model(s), but ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} missing`,
        missing.map((m) => `ollama pull ${m}`).join(' && '),
      );
    return item('ollama', 'Models (Ollama)', 'ok', `Ollama at ${models.host}: ${list.length} model(s), ${wanted.join(' and ')} present`);
  } catch (err) {
    const e = err instanceof ModelProviderError ? err : null;
    return item(
      'ollama',
      'Models (Ollama)',
      'error',
      e?.message ?? `Ollama check failed: ${(err as Error).message}`,
      e?.fixHint ?? 'Start Ollama with `ollama serve`.',
    );
  }
}

async function reachable(url: string, timeoutMs = 2000): Promise<{ ok: boolean; detail: string }> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    await res.body?.cancel();
    return { ok: res.status < 500, detail: `HTTP ${res.status}` };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    return { ok: false, detail: e.cause?.code ?? e.message };
  }
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Whether the first word of `command` resolves to an executable, searching PATH like a shell would. */
export function commandOnPath(command: string, envPath = process.env.PATH ?? ''): boolean {
  const exe = command.trim().split(/\s+/)[0] ?? '';
  if (!exe) return false;
  if (exe.includes('/')) return isExecutable(exe);
  return envPath
    .split(path.delimiter)
    .filter(Boolean)
    .some((dir) => isExecutable(path.join(dir, exe)));
}

/** Doctor limits for the bridges' own health(): short, no retries, so the doctor answers in a few seconds even
 * when a service hangs. Spawning the PhiOS child (Python) gets a longer connect budget than a TCP connect. */
const DOCTOR_HTTP = { connectTimeoutMs: 1500, readTimeoutMs: 2500, retries: 0 };
const DOCTOR_STDIO = { connectTimeoutMs: 5000, readTimeoutMs: 2500, retries: 0 };

function healthItem(key: string, title: string, h: BridgeHealth): DoctorItem {
  const latency = h.latency_ms === null ? '' : ` in ${h.latency_ms} ms`;
  return h.ok ? item(key, title, 'ok', `${h.detail}${latency}`) : item(key, title, 'error', h.detail, h.fix_hint);
}

export async function checkIntegrations(ctx: ServerContext): Promise<DoctorItem[]> {
  const c = ctx.config;
  if (c['integrations.mock']) {
    return [
      item(
        'integrations',
        'PhiOS and AgentCeption',
        'info',
        'mock integrations in use (AGENTORA_INTEGRATIONS_MOCK=true): the mission loop runs end to end without either service',
        'To use the real services set AGENTORA_INTEGRATIONS_MOCK=false and enable them.',
      ),
    ];
  }
  const phios = async (): Promise<DoctorItem> => {
    if (!c['phios.enabled'])
      return item('phios', 'PhiOS', 'info', 'disabled', 'Set AGENTORA_PHIOS_ENABLED=true to use PhiOS context packs and writeback.');
    const stdio = c['phios.transport'] === 'mcp-stdio';
    if (stdio && !commandOnPath(c['phios.command'])) {
      return item(
        'phios',
        'PhiOS',
        'error',
        `PhiOS MCP command \`${c['phios.command']}\` not found on PATH`,
        'Install PhiOS (`pip install phios`, which provides `phi-mcp`) or set AGENTORA_PHIOS_COMMAND.',
      );
    }
    const bridge = createRealPhios(c, ctx.log, stdio ? DOCTOR_STDIO : DOCTOR_HTTP);
    try {
      return healthItem('phios', 'PhiOS', await bridge.health());
    } finally {
      await bridge.close().catch(() => {});
    }
  };
  const agentception = async (): Promise<DoctorItem> => {
    if (!c['agentception.enabled'])
      return item('agentception', 'AgentCeption', 'info', 'disabled', 'Set AGENTORA_AGENTCEPTION_ENABLED=true to launch missions on AgentCeption.');
    const bridge = createRealAgentception(c, DOCTOR_HTTP);
    try {
      return healthItem('agentception', 'AgentCeption', await bridge.health());
    } finally {
      await bridge.close();
    }
  };
  // Each check turns its own failures into an item; the catch is for bugs, so the doctor still answers.
  const safe = (key: string, title: string, p: Promise<DoctorItem>) =>
    p.catch((err: Error) => item(key, title, 'error', `check failed: ${err.message}`, 'See the server log.'));
  return Promise.all([safe('phios', 'PhiOS', phios()), safe('agentception', 'AgentCeption', agentception())]);
}

export async function checkWorkers(ctx: ServerContext): Promise<DoctorItem> {
  const urls = ctx.config['workers.urls'];
  if (!urls.length) return workersDoctorItem(ctx); // registered workers, from their heartbeats
  const results = await Promise.all(urls.map(async (u) => ({ u, r: await reachable(`${u.replace(/\/+$/, '')}/health`) })));
  const down = results.filter((x) => !x.r.ok);
  if (down.length)
    return item(
      'workers',
      'Workers',
      'warn',
      `${down.length} of ${urls.length} worker(s) unreachable: ${down.map((d) => `${d.u} (${d.r.detail})`).join(', ')}`,
      'Check that those machines are up and their URLs in AGENTORA_WORKER_URLS are right; jobs run locally meanwhile.',
    );
  return item('workers', 'Workers', 'ok', `${urls.length} worker(s) reachable`);
}

export function checkPort(ctx: ServerContext): DoctorItem {
  if (!ctx.config['server.httpEnabled']) return item('port', 'HTTP API', 'info', 'HTTP API disabled (AGENTORA_HTTP_ENABLED=false)', '');
  if (ctx.http.url) {
    const host = ctx.config['server.host'];
    const loopback = ['127.0.0.1', 'localhost', '::1'].includes(host);
    return loopback
      ? item('port', 'HTTP API', 'ok', `listening on ${ctx.http.url} (loopback only, token required)`)
      : item(
          'port',
          'HTTP API',
          'warn',
          `listening on ${ctx.http.url} — reachable from the network`,
          'Set AGENTORA_HOST=127.0.0.1 unless you really need remote access.',
        );
  }
  if (ctx.http.error)
    return item(
      'port',
      'HTTP API',
      'error',
      ctx.http.error,
      `Free port ${ctx.config['server.port']} or set AGENTORA_PORT (agentora.server.port) to another port; 0 picks a free one.`,
    );
  return item('port', 'HTTP API', 'info', 'not started yet', '');
}
