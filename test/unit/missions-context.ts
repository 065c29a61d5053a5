// An in-process server context for mission service tests: a temp SQLite file, the real config loader, a quiet
// logger, an event bus that records notifications, and bridges a test can replace (stubs wrap the mocks).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../server/src/config';
import type { ServerContext } from '../../server/src/context';
import { EventBus } from '../../server/src/events';
import { createLogger } from '../../server/src/log';
import { openDatabase } from '../../server/src/store/db';
import { createMockAgentception, createMockPhios } from '../../server/src/bridges/missions/mock';
import type { AgentceptionBridge, MissionBridges, PhiosBridge } from '../../server/src/bridges/missions/types';
import { injectBridges } from '../../server/src/services/missions/state';
import { missionsServices } from '../../server/src/services/missions';
import { ServiceRegistry } from '../../server/src/services/registry';

export interface TestCtx {
  ctx: ServerContext & { config: ServerContext['config'] };
  registry: ServiceRegistry;
  notifications: { name: string; payload: any }[];
  calls: { launch: number; status: number; artifacts: number; writeback: number; contextPack: number; inFlight: number; maxInFlight: number };
  setBridges(p: Partial<PhiosBridge>, a: Partial<AgentceptionBridge>): void;
  call<R = any>(method: string, params: unknown): Promise<R>;
  reconfig(env: Record<string, string>): void;
  close(): void;
}

export function makeCtx(env: Record<string, string> = {}, dataDir?: string): TestCtx {
  const dir = dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'agentora-missions-'));
  const load = (e: Record<string, string>) => loadConfig({ env: e, dotenvFiles: [], overrides: { dataDir: dir } });
  const db = openDatabase(path.join(dir, 'agentora.db'));
  const events = new EventBus();
  const notifications: TestCtx['notifications'] = [];
  events.subscribe((name, payload) => notifications.push({ name, payload }));
  const ctx = {
    config: load(env),
    db,
    log: createLogger('error'),
    events,
    models: {} as never,
    version: 'test',
    startedAt: new Date(),
    token: 't',
    http: { url: null, error: null },
  } as ServerContext;
  const registry = new ServiceRegistry(ctx, missionsServices);
  const calls = { launch: 0, status: 0, artifacts: 0, writeback: 0, contextPack: 0, inFlight: 0, maxInFlight: 0 };
  const setBridges = (p: Partial<PhiosBridge>, a: Partial<AgentceptionBridge>) => {
    const mp = createMockPhios();
    const ma = createMockAgentception();
    const phios: PhiosBridge = {
      ...mp,
      ...p,
      contextPack: async (r) => (calls.contextPack++, (p.contextPack ?? mp.contextPack)(r)),
      writeback: async (r) => (calls.writeback++, (p.writeback ?? mp.writeback)(r)),
    };
    const agentception: AgentceptionBridge = {
      ...ma,
      ...a,
      launch: async (r) => (calls.launch++, (a.launch ?? ma.launch)(r)),
      status: async (id, o) => {
        calls.status++;
        calls.inFlight++;
        calls.maxInFlight = Math.max(calls.maxInFlight, calls.inFlight);
        try {
          await new Promise((r) => setTimeout(r, 5));
          return await (a.status ?? ma.status)(id, o);
        } finally {
          calls.inFlight--;
        }
      },
      artifacts: async (id) => (calls.artifacts++, (a.artifacts ?? ma.artifacts)(id)),
    };
    const bridges: MissionBridges = { phios, agentception, close: async () => {} };
    injectBridges(ctx, bridges);
  };
  setBridges({}, {});
  return {
    ctx,
    registry,
    notifications,
    calls,
    setBridges,
    call: (method, params) => registry.call(method, params, { transport: 'internal', actor: 'test' }) as Promise<any>,
    reconfig(e) {
      (ctx as { config: ServerContext['config'] }).config = load(e);
    },
    close() {
      db.close();
      if (!dataDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const PREPARE = {
  repo: 'acme/widgets',
  mission_title: 'Fix the login redirect',
  objective: 'Fix the redirect after login and add a regression test',
  persona_id: 'skeptic_reviewer',
};
