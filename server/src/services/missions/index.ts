// Missions area: the services behind every mission operation, and the runtime (watcher + MCP endpoint).
import type { AreaRuntime } from '../../runtime';
import type { ServerContext } from '../../context';
import { AppError, notFound } from '../../protocol/errors';
import * as M from '../../protocol/missions';
import { implement, type Implementation } from '../registry';
import { compareMissions } from './compare';
import {
  commit,
  describeError,
  getRow,
  launchMission,
  missionOf,
  packetFor,
  prepareMission,
  refreshMission,
  setWatched,
  snapshotContent,
  writebackMission,
} from './loop';
import { reconcileLaunches } from './reconcile';
import { enableIntegrationService } from './enable';
import { mcpCompatServices, mountMcp, rememberRegistry } from './mcp/routes';
import { snapshotHash } from './snapshot';
import { missionStore } from './store';
import { missionMetrics } from './observability/metrics';
import { bridgesOf, missionsState, resetBridges } from './state';
import { startWatcher } from './watcher';

async function upstream<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof AppError) throw err;
    const e = describeError(err);
    // An unknown job/persona upstream is a 404 and a state conflict a 409 here too; everything else (refused,
    // timeout, 401 upstream, garbage) is our 503: the upstream is unavailable to us, not the caller's fault.
    const kind = e.kind === 'not_found' ? 'not_found' : e.kind === 'conflict' ? 'conflict' : 'unavailable';
    throw new AppError(kind, e.message, undefined, e.fix_hint);
  }
}

const mcpInfo = (ctx: ServerContext) => ({
  enabled: ctx.config['missions.mcpEnabled'],
  read_only: ctx.config['missions.mcpReadOnly'],
  key_required: ctx.config['missions.mcpApiKey'] !== '',
  allowed_tools: [...ctx.config['missions.mcpAllowedTools']],
});

export const missionsServices: readonly Implementation[] = [
  implement(M.status, async (_p, ctx) => {
    const b = bridgesOf(ctx);
    const [phios, agentception] = await Promise.all([b.phios.health(), b.agentception.health()]);
    const mock = ctx.config['integrations.mock'];
    return {
      ok: phios.ok && agentception.ok,
      mock,
      phios: { ...phios, enabled: mock || ctx.config['phios.enabled'] },
      agentception: { ...agentception, enabled: mock || ctx.config['agentception.enabled'] },
      watcher: {
        enabled: ctx.config['missions.watcherEnabled'],
        interval_seconds: ctx.config['missions.watcherIntervalSeconds'],
        auto_writeback: ctx.config['missions.autoWriteback'],
      },
      mcp: mcpInfo(ctx),
    };
  }),
  implement(M.enableIntegration, (p, ctx) => enableIntegrationService(ctx, p)),
  implement(M.phiosHealth, (_p, ctx) => bridgesOf(ctx).phios.health()),
  implement(M.phiosPersona, async (p, ctx) => {
    const persona = await upstream(() => bridgesOf(ctx).phios.persona(p.persona_id));
    if (!persona) throw notFound('Persona', p.persona_id);
    return { ok: true, persona };
  }),
  implement(M.phiosContextPack, (p, ctx) => packetFor(ctx, p)),
  implement(M.agentceptionHealth, (_p, ctx) => bridgesOf(ctx).agentception.health()),
  implement(M.agentceptionLaunch, (p, ctx) => {
    // Not given → the operator's settings, exactly as a mission launch does.
    const mode = p.mode ?? ctx.config['agentception.launchMode'];
    const label = p.label ?? (mode === 'label' ? ctx.config['agentception.label'] : undefined);
    return upstream(() =>
      bridgesOf(ctx).agentception.launch({ ...p, mode, role: p.role ?? ctx.config['agentception.role'], ...(label ? { label } : {}) }),
    );
  }),
  implement(M.agentceptionJob, (p, ctx) =>
    upstream(() => bridgesOf(ctx).agentception.status(p.job_id, p.after_event_id !== undefined ? { after_event_id: p.after_event_id } : undefined)),
  ),

  implement(M.prepare, async (p, ctx, call) => {
    const run = await prepareMission(ctx, p, call);
    return { ok: true, run_id: run.run_id, context_packet: run.context_packet, run };
  }),
  implement(M.launch, async (p, ctx, call) => {
    const r = await launchMission(ctx, p, call);
    return { ok: r.ok, run_id: r.run.run_id, dry_run: p.dry_run, run: r.run, error: r.error?.message ?? null, fix_hint: r.error?.fix_hint ?? null };
  }),
  implement(M.list, (p, ctx) => {
    const { items, total } = missionStore(ctx.db).list(p);
    // REST answers the earlier product's flat records, which need each mission in full (≤ limit point reads).
    const records = p.full ? items.map((i) => missionOf(ctx, i.run_id)) : undefined;
    return { ok: true, items, ...(records ? { records } : {}), total, limit: p.limit, offset: p.offset };
  }),
  implement(M.get, (p, ctx) => ({ ok: true, run: missionOf(ctx, p.run_id) })),
  implement(M.refresh, async (p, ctx, call) => {
    const r = await refreshMission(ctx, p.run_id, call);
    return { ok: r.ok, changed: r.changed, run: r.run, error: r.error?.message ?? null, fix_hint: r.error?.fix_hint ?? null };
  }),
  implement(M.watch, (p, ctx, call) => ({ ok: true, run: setWatched(ctx, p.run_id, true, call) })),
  implement(M.unwatch, (p, ctx, call) => ({ ok: true, run: setWatched(ctx, p.run_id, false, call) })),
  implement(M.writeback, (p, ctx, call) =>
    writebackMission(ctx, p.run_id, { operator_notes: p.operator_notes, tags: p.tags, trigger: 'manual' }, call),
  ),
  implement(M.timeline, (p, ctx) => {
    getRow(ctx, p.run_id);
    const { events, total } = missionStore(ctx.db).timeline(p.run_id, p.limit, p.offset);
    return { ok: true, run_id: p.run_id, events, total };
  }),
  implement(M.compare, (p, ctx) => {
    if (p.left_run_id === p.right_run_id)
      throw new AppError('bad_request', 'Invalid params: right_run_id: must differ from left_run_id', [
        { path: 'right_run_id', message: 'must differ from left_run_id' },
      ]);
    const l = missionOf(ctx, p.left_run_id);
    const r = missionOf(ctx, p.right_run_id);
    const store = missionStore(ctx.db);
    return compareMissions(l, r, { left: store.eventCount(l.run_id), right: store.eventCount(r.run_id) });
  }),
  implement(M.snapshot, (p, ctx) => {
    const row = getRow(ctx, p.run_id);
    const content = snapshotContent(row);
    const hash = snapshotHash(content);
    return {
      ok: true,
      run_id: row.id,
      algorithm: 'sha256' as const,
      snapshot_hash: row.snapshot_hash,
      verified: hash === row.snapshot_hash,
      content: content as unknown as Record<string, unknown>,
    };
  }),
  implement(M.watcherEvents, (p, ctx) => ({ ok: true, events: missionStore(ctx.db).watcherEvents(p.limit) })),
  implement(M.metrics, (_p, ctx) => {
    const w = missionsState(ctx).watcher;
    return {
      ok: true,
      ...missionMetrics(ctx.db).read(),
      watcher: { enabled: ctx.config['missions.watcherEnabled'], interval_seconds: ctx.config['missions.watcherIntervalSeconds'], ...w },
    };
  }),
  ...mcpCompatServices,
];

/** The watcher's stop function per server, while it runs. */
const watchers = new WeakMap<ServerContext, { stop: () => Promise<void>; key: string }>();
const watcherKey = (ctx: ServerContext) =>
  JSON.stringify([ctx.config['missions.watcherEnabled'], ctx.config['missions.watcherIntervalSeconds'], ctx.config['missions.watcherMaxActiveRuns']]);

function syncWatcher(ctx: ServerContext): void {
  const cur = watchers.get(ctx);
  if (cur && cur.key === watcherKey(ctx)) return;
  if (cur) {
    watchers.delete(ctx);
    void cur.stop();
  }
  if (ctx.config['missions.watcherEnabled']) watchers.set(ctx, { stop: startWatcher(ctx), key: watcherKey(ctx) });
}

export const missionsRuntime: AreaRuntime = {
  name: 'missions',
  start(ctx, registry) {
    rememberRegistry(ctx, registry);
    syncWatcher(ctx);
    // Launches a crash interrupted: attach their AgentCeption runs or mark them launch_unknown (reads only).
    void reconcileLaunches(ctx, commit).catch((err) => ctx.log.error('missions: reconciling interrupted launches failed', err));
  },
  reconfigure(ctx) {
    void resetBridges(ctx);
    syncWatcher(ctx);
  },
  mountHttp(app, ctx, registry) {
    rememberRegistry(ctx, registry);
    mountMcp(app, ctx, registry);
  },
  async stop(ctx) {
    const cur = watchers.get(ctx);
    watchers.delete(ctx);
    await cur?.stop();
    await resetBridges(ctx);
  },
};
