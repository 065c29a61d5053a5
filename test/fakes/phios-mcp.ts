// A fake PhiOS: a stdio MCP server written with the official SDK, exposing what Agentora uses of the real
// `phi-mcp` (contracts/phios.md): the resources phios://sessions/current, phios://cognition/recommendation,
// phios://agents/memory/{topic}, phios://agents/deliberations/recent, and the tool phi_store_deliberation —
// which, like PhiOS, refuses with AGENT_MEMORY_WRITE_NOT_PERMITTED unless PHIOS_MCP_CAPABILITIES contains
// agent_memory_write or PHIOS_MCP_PROFILE is operator/developer.
// Test knobs (environment): FAKE_PHIOS_STORE=<file> appends every stored deliberation as a JSON line (and reads
// them back on start); FAKE_PHIOS_START_DELAY_MS delays the MCP handshake; FAKE_PHIOS_DELAY_MS delays every
// answer; FAKE_PHIOS_SESSION_ID makes sessions/current carry a session_id; FAKE_PHIOS_LOG=<file> appends one
// line per request (method + target) so tests can count calls.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

const env = process.env;
const storeFile = env.FAKE_PHIOS_STORE;
const logFile = env.FAKE_PHIOS_LOG;
const delayMs = Number(env.FAKE_PHIOS_DELAY_MS ?? 0);
const caps = (env.PHIOS_MCP_CAPABILITIES ?? '').split(',').map((s) => s.trim());
const writeAllowed = caps.includes('agent_memory_write') || ['operator', 'developer'].includes(env.PHIOS_MCP_PROFILE ?? '');

interface Deliberation {
  topic: string;
  positions: unknown[];
  outcome: string;
  winning_figure: string;
  coherence_trace: number[];
  tags: string[];
  run_id?: string;
  recommendation?: Record<string, unknown>;
  created_at: string;
}
const deliberations: Deliberation[] =
  storeFile && existsSync(storeFile)
    ? readFileSync(storeFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Deliberation)
    : [];

const schemaMeta = () => ({ generated_at: new Date().toISOString(), read_only: true, schema_version: '1' });
const slow = () => (delayMs > 0 ? new Promise((r) => setTimeout(r, delayMs)) : Promise.resolve());
const note = (what: string) => {
  if (logFile) appendFileSync(logFile, what + '\n');
};
const json = (uri: string, data: unknown) => ({ contents: [{ uri, mimeType: 'application/json', text: JSON.stringify(data) }] });

const server = new McpServer({ name: 'PhiOS', version: '0.0.0-fake' });

server.registerResource('sessions_current', 'phios://sessions/current', { mimeType: 'application/json' }, async (uri) => {
  note('read phios://sessions/current');
  await slow();
  return json(uri.href, {
    ...schemaMeta(),
    resource_kind: 'sessions_current',
    summary: { session_state: 'active', recommended_action: 'continue', next_step: 'Review open pull requests first' },
    session_start: { ...(env.FAKE_PHIOS_SESSION_ID ? { session_id: env.FAKE_PHIOS_SESSION_ID } : {}), started: true },
    session_checkin: { session_state: 'active' },
    source: 'phios.core.session_layer',
  });
});

server.registerResource('cognition_recommendation', 'phios://cognition/recommendation', { mimeType: 'application/json' }, async (uri) => {
  note('read phios://cognition/recommendation');
  await slow();
  return json(uri.href, {
    ...schemaMeta(),
    resource_kind: 'cognition_recommendation',
    ok: true,
    recommendation: {
      figure: {
        id: 'the-architect',
        name: 'The Architect',
        role: 'architect',
        style: 'deliberate, structure first',
        goals: ['clear seams'],
        constraints: ['no drive-by refactors'],
      },
      rationale: 'coherence favours structure',
    },
  });
});

server.registerResource(
  'agent_memory_topic',
  new ResourceTemplate('phios://agents/memory/{topic}', { list: undefined }),
  { mimeType: 'application/json' },
  async (uri, vars) => {
    const topic = decodeURIComponent(String(vars.topic));
    note(`read phios://agents/memory/${topic}`);
    await slow();
    const items = deliberations.filter((d) => d.topic === topic);
    return json(uri.href, {
      ...schemaMeta(),
      resource_kind: 'agent_memory_topic',
      topic,
      deliberations: items,
      count: items.length,
      found: items.length > 0,
      experimental: true,
    });
  },
);

server.registerResource('deliberations_recent', 'phios://agents/deliberations/recent', { mimeType: 'application/json' }, async (uri) => {
  await slow();
  return json(uri.href, { ...schemaMeta(), resource_kind: 'agent_deliberations_recent', deliberations: deliberations.slice(-10) });
});

server.registerTool(
  'phi_store_deliberation',
  {
    description: 'Store an agent deliberation in PhiOS agent memory.',
    inputSchema: {
      topic: z.string(),
      positions: z.array(z.record(z.string(), z.unknown())),
      outcome: z.string(),
      winning_figure: z.string(),
      coherence_trace: z.array(z.number()),
      tags: z.array(z.string()).optional(),
      run_id: z.string().optional(),
      recommendation: z.record(z.string(), z.unknown()).optional(),
    },
  },
  async (args) => {
    note(`call phi_store_deliberation ${args.topic}`);
    await slow();
    const reply = (data: Record<string, unknown>) => ({ content: [{ type: 'text' as const, text: JSON.stringify(data) }], structuredContent: data });
    if (!writeAllowed) {
      return reply({
        ok: false,
        error_code: 'AGENT_MEMORY_WRITE_NOT_PERMITTED',
        reason: "capability 'agent_memory_write' is not enabled for this MCP profile",
      });
    }
    const d: Deliberation = { ...args, tags: args.tags ?? [], created_at: new Date().toISOString() };
    deliberations.push(d);
    if (storeFile) appendFileSync(storeFile, JSON.stringify(d) + '\n');
    return reply({
      ok: true,
      topic: d.topic,
      stored: true,
      created_at: d.created_at,
      positions_count: d.positions.length,
      tags: d.tags,
      narrative_ref: `agent_memory_${deliberations.length}`,
      experimental: true,
    });
  },
);

// Like phi-mcp: stdin closed (client gone) → exit, even while a delayed answer is pending.
process.stdin.on('end', () => process.exit(0));
const startDelay = Number(env.FAKE_PHIOS_START_DELAY_MS ?? 0);
setTimeout(() => {
  void server.connect(new StdioServerTransport());
}, startDelay);
