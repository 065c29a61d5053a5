// Real mode (AGENTORA_INTEGRATIONS_MOCK=false) with one of the two services switched off. Using AgentCeption
// without PhiOS is a normal setup: then Agentora builds the context packet itself (the mission's own fields, the
// persona catalogue, risk flags read from the objective — never invented memories; its own memory is added by
// the mission loop) and writeback says plainly that PhiOS is off. Without AgentCeption, dry runs still work and
// a real launch fails with the setting that fixes it.
import { createMockPhios } from './mock';
import { UpstreamError, type AgentceptionBridge, type BridgeHealth, type PhiosBridge } from './types';

const PHIOS_FIX = 'Set AGENTORA_PHIOS_ENABLED=true (agentora.phios.enabled) and its transport to use PhiOS context packs and writeback.';
const AC_FIX = 'Set AGENTORA_AGENTCEPTION_ENABLED=true (agentora.agentception.enabled) and AGENTORA_AGENTCEPTION_URL to launch missions.';

function health(name: BridgeHealth['name'], transport: string, ok: boolean, detail: string, fix_hint: string): BridgeHealth {
  return { name, transport, ok, mock: false, detail, fix_hint, latency_ms: null };
}

export function createLocalPhios(): PhiosBridge {
  const base = createMockPhios();
  return {
    transport: 'local',
    async health() {
      return health('phios', 'local', true, 'PhiOS is disabled: Agentora builds context packets from the mission and its own memory', PHIOS_FIX);
    },
    async contextPack(req) {
      const packet = await base.contextPack(req);
      return {
        ...packet,
        memory_snippets: [],
        summary: `Context built by Agentora (PhiOS disabled) for "${req.mission_title}" on ${req.repo}.`,
        source: 'local',
        raw: { phios: 'disabled' },
      };
    },
    async writeback() {
      return {
        ok: false,
        ref: null,
        error_code: 'PHIOS_DISABLED',
        message: 'PhiOS is disabled, so there is nowhere to write the outcome back to',
        fix_hint: PHIOS_FIX,
      };
    },
    persona: (id) => base.persona(id),
    async close() {},
  };
}

export function createDisabledAgentception(): AgentceptionBridge {
  const off = () => new UpstreamError('agentception', 'failed', 'AgentCeption is disabled', AC_FIX);
  return {
    transport: 'disabled',
    async health() {
      return health('agentception', 'disabled', false, 'AgentCeption is disabled: missions can be prepared and dry-run, not launched', AC_FIX);
    },
    async launch() {
      throw off();
    },
    async status() {
      throw off();
    },
    async artifacts() {
      throw off();
    },
    async cancel() {
      throw off();
    },
    async findLaunch() {
      throw off();
    },
  };
}
