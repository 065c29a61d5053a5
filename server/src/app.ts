// Builds the server from its parts: config → data dir → database (migrations) → token → providers → services.
// Both entry points (the language server in main.ts and the CLI in cli.ts) start the server through here.
import path from 'node:path';
import pkg from '../../package.json';
import { allSettings, loadConfig, type Config, type LoadOptions } from './config';
import { prepareDataDir, privateFile } from './config/dataDir';
import { createModelProvider } from './bridges/models';
import type { HttpState, ServerContext } from './context';
import { EventBus } from './events';
import { createLogger, type LogSink, type Logger } from './log';
import { allRuntimes, allServices } from './services';
import { ServiceRegistry } from './services/registry';
import { openDatabase, type Db } from './store/db';
import { startCheckpointer } from './store/checkpointer';
import { loadOrCreateToken } from './token';
import { applyKeyBindings, setBindings } from './services/credentials/apiKeys';
import { startHttpServer, type RunningHttpServer } from './http/server';
import { withWorkerRouting } from './services/workers/routing';
import { httpsFor } from './services/workers/tls';

export const VERSION: string = pkg.version;

export interface App {
  ctx: ServerContext;
  registry: ServiceRegistry;
  /** Start the HTTP API (REST, JSON-RPC, SSE, studio). A failure to listen is recorded, not thrown. */
  startHttp(): Promise<HttpState>;
  /** Apply new client settings. Host/port changes apply on the next start. */
  reconfigure(overrides: LoadOptions['overrides']): void;
  close(): Promise<void>;
}

/** The mutable state behind the read-only ServerContext the services see. */
class MutableContext implements ServerContext {
  reloadConfig?: () => void;
  readonly events = new EventBus();
  readonly startedAt = new Date();
  readonly version = VERSION;
  readonly http: HttpState = { url: null, error: null };
  constructor(
    public config: Config,
    public db: Db,
    public log: Logger,
    public models: ServerContext['models'],
    public token: string,
  ) {}
}

export interface AppOptions extends LoadOptions {
  /** Where log lines go (default stderr); the language server sends them to the editor's output channel. */
  logSink?: LogSink;
}

export function createApp(opts: AppOptions = {}): App {
  const config = loadConfig(opts);
  let live: { config: Config; token: string } = { config, token: '' };
  // Level and secrets are read per line: a changed agentora.logLevel or API key applies at once.
  const secretKeys = allSettings.filter((s) => 'secret' in s && s.secret).map((s) => s.key);
  const log = createLogger(() => live.config.logLevel, {
    sink: opts.logSink,
    secrets: () => [live.token, ...secretKeys.map((k) => String((live.config as Record<string, unknown>)[k] ?? ''))],
  });
  prepareDataDir(config.dataDir);
  const db = openDatabase(privateFile(path.join(config.dataDir, 'agentora.db')));
  // WAL checkpoints run in a worker thread, never inside a request's commit (store/checkpointer.ts).
  const checkpointer = startCheckpointer(db, (message) => log.warn(message));
  const token = loadOrCreateToken(config.dataDir);
  // API keys go only to the origin they were stored for: a key whose URL moved is withheld (blank) here.
  const bound = applyKeyBindings(db, config);
  const ctx = new MutableContext(bound.config, db, log, createModelProvider(bound.config), token);
  ctx.models = withWorkerRouting(ctx, ctx.models); // model calls may run on a worker (services/workers/routing.ts)
  setBindings(ctx, config, bound.withheld);
  for (const w of bound.withheld) log.warn(`${w.system} API key withheld: stored for ${w.bound_origin}, URL now ${w.url_origin}`);
  live = ctx;
  const registry = new ServiceRegistry(ctx, allServices);
  let http: RunningHttpServer | null = null;
  let clientOverrides: LoadOptions['overrides'] = opts.overrides;
  // Background runtimes start at once but never block: a slow one cannot delay the server's ready line.
  for (const rt of allRuntimes) {
    Promise.resolve()
      .then(() => rt.start?.(ctx, registry))
      .catch((err) => log.error(`${rt.name} runtime failed to start`, err));
  }

  const app: App = {
    ctx,
    registry,
    async startHttp() {
      if (!ctx.config['server.httpEnabled'] || http) return ctx.http;
      const host = ctx.config['server.host'];
      if (!['127.0.0.1', 'localhost', '::1'].includes(host))
        log.warn(`HTTP API bound to ${host}: it is reachable from the network (token still required)`);
      try {
        // After a restart the previous server may still be closing its socket (slow under load): retry a taken
        // fixed port for a few seconds before calling it "in use".
        const port = ctx.config['server.port'];
        for (let waited = 0; ; waited += 500) {
          try {
            http = await startHttpServer(ctx, registry, { host, port, https: await httpsFor(ctx, host) }, allRuntimes);
            break;
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port === 0 || waited >= 15000) throw err;
            await new Promise((r) => setTimeout(r, 500));
          }
        }
        ctx.http.url = http.url;
        ctx.http.error = null;
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        ctx.http.error = e.code === 'EADDRINUSE' ? `port ${ctx.config['server.port']} is already in use` : `HTTP API failed to start: ${e.message}`;
        log.error(ctx.http.error);
      }
      return ctx.http;
    },
    reconfigure(overrides) {
      clientOverrides = overrides;
      // The client sends its complete set of explicit settings each time, so they replace (not merge with) the old ones.
      const raw = loadConfig({ ...opts, overrides: { dataDir: ctx.config.dataDir, ...overrides } });
      const { config: next, withheld } = applyKeyBindings(db, raw);
      setBindings(ctx, raw, withheld);
      for (const w of withheld) log.warn(`${w.system} API key withheld: stored for ${w.bound_origin}, URL now ${w.url_origin}`);
      for (const k of ['server.host', 'server.port', 'server.httpEnabled'] as const) {
        if (next[k] !== ctx.config[k]) log.warn(`${k} changed: restart the Agentora server to apply it`);
      }
      ctx.config = next;
      ctx.models = withWorkerRouting(ctx, createModelProvider(next));
      for (const rt of allRuntimes) rt.reconfigure?.(ctx);
      log.info('configuration updated');
    },
    async close() {
      await http?.close();
      http = null;
      for (const rt of allRuntimes) await Promise.resolve(rt.stop?.(ctx)).catch((err) => log.error(`${rt.name} runtime failed to stop`, err));
      await checkpointer?.stop();
      db.close();
    },
  };
  // Config written by a service (e.g. POST /api/integrations/enable) applies at once, under the same client settings.
  ctx.reloadConfig = () => app.reconfigure(clientOverrides);
  return app;
}
