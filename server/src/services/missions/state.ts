// Per-server mission state (never a module singleton): the bridges for the current config, in-flight
// refreshes/launches (so one mission is never refreshed twice at once), and the watcher's counters.
import { createMissionBridges, UpstreamError, type MissionBridges } from '../../bridges/missions';
import type { ServerContext } from '../../context';

export interface WatcherStats {
  cycles: number;
  last_cycle_at: string | null;
  last_cycle_ms: number | null;
  last_cycle_refreshed: number;
  last_cycle_errors: number;
  skipped_overlaps: number;
  running: boolean;
}

export interface MissionsState {
  bridges: MissionBridges | null;
  /** Injected by tests (a stub bridge); survives reconfigure. */
  injected: MissionBridges | null;
  refreshing: Map<string, Promise<unknown>>;
  launching: Set<string>;
  watcher: WatcherStats;
  /** Refresh counters since start (the earlier product's metrics route reads them). */
  refresh: {
    attempts: number;
    successes: number;
    failures: number;
    total_latency_ms: number;
    last_latency_ms: number | null;
    terminal_by_watcher: number;
    skipped_writebacks_debounce: number;
  };
}

const states = new WeakMap<ServerContext, MissionsState>();

export function missionsState(ctx: ServerContext): MissionsState {
  let s = states.get(ctx);
  if (!s) {
    s = {
      bridges: null,
      injected: null,
      refreshing: new Map(),
      launching: new Set(),
      watcher: {
        cycles: 0,
        last_cycle_at: null,
        last_cycle_ms: null,
        last_cycle_refreshed: 0,
        last_cycle_errors: 0,
        skipped_overlaps: 0,
        running: false,
      },
      refresh: {
        attempts: 0,
        successes: 0,
        failures: 0,
        total_latency_ms: 0,
        last_latency_ms: null,
        terminal_by_watcher: 0,
        skipped_writebacks_debounce: 0,
      },
    };
    states.set(ctx, s);
  }
  return s;
}

/** Bridges that answer every call with the reason they could not be built (so a mission records it). */
function unavailableBridges(reason: string): MissionBridges {
  const fail = (system: 'phios' | 'agentception') => async (): Promise<never> => {
    throw new UpstreamError(
      system,
      'failed',
      `${system} bridge unavailable: ${reason}`,
      'Check the integration settings (or set AGENTORA_INTEGRATIONS_MOCK=true to try the loop with mocks).',
    );
  };
  const health = (name: 'phios' | 'agentception') => async () => ({
    name,
    transport: 'unavailable',
    ok: false,
    mock: false,
    detail: reason,
    fix_hint: 'Check the integration settings.',
    latency_ms: null,
  });
  return {
    phios: {
      transport: 'http',
      health: health('phios'),
      contextPack: fail('phios'),
      writeback: fail('phios'),
      persona: fail('phios'),
      close: async () => {},
    },
    agentception: {
      transport: 'http',
      health: health('agentception'),
      launch: fail('agentception'),
      status: fail('agentception'),
      artifacts: fail('agentception'),
      cancel: fail('agentception'),
      findLaunch: fail('agentception'),
    },
    close: async () => {},
  };
}

export function bridgesOf(ctx: ServerContext): MissionBridges {
  const s = missionsState(ctx);
  if (s.injected) return s.injected;
  if (!s.bridges) {
    try {
      s.bridges = createMissionBridges(ctx.config, ctx.log);
    } catch (err) {
      ctx.log.error('mission bridges could not be created', err);
      s.bridges = unavailableBridges((err as Error).message);
    }
  }
  return s.bridges;
}

/** Settings changed: drop the bridges so the next call builds them for the new config. */
export async function resetBridges(ctx: ServerContext): Promise<void> {
  const s = missionsState(ctx);
  const old = s.bridges;
  s.bridges = null;
  await old?.close().catch((err) => ctx.log.warn('closing mission bridges failed', err));
}

/** For tests: run the loop against these bridges instead of the configured ones. */
export function injectBridges(ctx: ServerContext, bridges: MissionBridges | null): void {
  missionsState(ctx).injected = bridges;
}
