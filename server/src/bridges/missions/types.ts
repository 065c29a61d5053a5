// The two outside systems of Software Missions, as Agentora sees them (see ../shared/contracts/phios.md and
// agentception.md). Each has a mock and real implementations behind these interfaces; the mission loop and the
// watcher only ever talk to the interfaces. Upstream replies are read leniently (missing fields get defaults,
// unknown fields are kept in `raw`); what we store and show is strict.
import { z } from 'zod';

// ---------- PhiOS: MissionContextPacket ----------

export const Persona = z.object({
  id: z.string().default('default'),
  name: z.string().default('Default'),
  role: z.string().default(''),
  style: z.string().default(''),
  goals: z.array(z.string()).default([]),
  constraints: z.array(z.string()).default([]),
});
export type Persona = z.infer<typeof Persona>;

export const MemorySnippet = z.object({
  id: z.string(),
  text: z.string(),
  source: z.string().default(''),
  score: z.number().default(0),
  timestamp: z.string().optional(),
});

const Named = <T extends z.ZodRawShape>(shape: T) => z.object({ name: z.string(), ...shape });

export const MissionContextPacket = z.object({
  session_id: z.string(),
  persona: Persona,
  mission_title: z.string(),
  mission_objective: z.string(),
  repo: z.string(),
  operator_intent: z.string().default(''),
  summary: z.string().default(''),
  memory_snippets: z.array(MemorySnippet).default([]),
  constraints: z.array(z.string()).default([]),
  recommended_next_actions: z.array(z.string()).default([]),
  coding_style_preferences: z.array(Named({ detail: z.string().default('') })).default([]),
  architectural_principles: z.array(Named({ rationale: z.string().default('') })).default([]),
  risk_flags: z.array(Named({ severity: z.string().default('medium'), mitigation: z.string().default('') })).default([]),
  success_criteria: z.array(Named({ metric: z.string().default('') })).default([]),
  dispatch_brief: z
    .object({ objective: z.string().default(''), scope: z.array(z.string()).default([]), non_goals: z.array(z.string()).default([]) })
    .default({ objective: '', scope: [], non_goals: [] }),
  generated_at: z.string(),
  /** `local`: PhiOS is disabled and Agentora built the packet from the mission itself (and its own memory). */
  source: z.enum(['phios-mcp', 'phios-http', 'mock', 'local']),
  /** Whatever else the upstream sent, kept verbatim. */
  raw: z.record(z.string(), z.unknown()).default({}),
});
export type MissionContextPacket = z.infer<typeof MissionContextPacket>;

export interface ContextPackRequest {
  persona_id: string;
  repo: string;
  mission_title: string;
  objective: string;
  operator_intent: string;
  constraints: string[];
  /** Made by Agentora when PhiOS gives none (PhiOS never issues one). */
  session_id: string;
}

export interface WritebackRequest {
  mission_id: string;
  session_id: string;
  repo: string;
  persona_name: string;
  /** The AgentCeption run id, if launched. */
  run_id: string | null;
  summary: string;
  outcome_status: string;
  pr_url: string | null;
  branch: string | null;
  operator_notes: string;
  tags: string[];
}

export interface WritebackResult {
  ok: boolean;
  /** Upstream id of what was stored, when it gives one. */
  ref: string | null;
  /** Upstream error code, e.g. AGENT_MEMORY_WRITE_NOT_PERMITTED. */
  error_code?: string;
  message?: string;
  /** What the operator must do when ok is false (e.g. enable agent_memory_write). */
  fix_hint?: string;
}

export interface BridgeHealth {
  name: 'phios' | 'agentception';
  transport: string;
  ok: boolean;
  mock: boolean;
  detail: string;
  fix_hint: string;
  latency_ms: number | null;
}

export interface PhiosBridge {
  readonly transport: 'mcp-stdio' | 'http' | 'mock' | 'local';
  health(): Promise<BridgeHealth>;
  contextPack(req: ContextPackRequest): Promise<MissionContextPacket>;
  writeback(req: WritebackRequest): Promise<WritebackResult>;
  /** A persona by id; null when unknown. */
  persona(id: string): Promise<Persona | null>;
  /** Release processes/sockets (the stdio child). */
  close(): Promise<void>;
}

// ---------- AgentCeption ----------

/** Agentora's job state for a run (the contract's status table). */
export const JobState = z.enum(['queued', 'running', 'blocked', 'succeeded', 'failed', 'cancelled', 'unknown']);
export type JobState = z.infer<typeof JobState>;
export const TERMINAL_JOB_STATES: readonly JobState[] = ['succeeded', 'failed', 'cancelled'];

export interface LaunchRequest {
  mode: 'issue' | 'label';
  repo: string;
  role: string;
  /** Rendered Markdown brief: objective, acceptance criteria, constraints, persona, memory snippets. */
  issue_title: string;
  issue_body: string;
  /** issue mode: the issue number to work on (Agentora derives one when the operator gives none). */
  issue_number?: number;
  /** label mode */
  label?: string;
}

export interface LaunchResult {
  run_id: string;
  raw_status: string;
  state: JobState;
  branch: string | null;
  worktree: string | null;
  batch_id: string | null;
  /** Set when the run was created but not started (label mode: /execute failed); the run id is still valid. */
  warning?: string;
}

/**
 * What a real launch records (and commits) before the dispatch is sent: the idempotency key AgentCeption can be
 * asked about after a crash. Issue mode: the run is `issue-<issue_number>`. Label mode: a pending or active run
 * of that repo (and scope issue) spawned after `at`. Either way the brief (issue_body, AgentCeption's
 * task_description) names the mission id, so a run of another mission is never taken for ours.
 */
export interface LaunchKey {
  mode: 'issue' | 'label';
  repo: string;
  issue_number?: number;
  label?: string;
  mission_id: string;
  /** ISO time just before the dispatch was sent. */
  at: string;
}

export interface RunEvent {
  id: number;
  event_type: string;
  payload: unknown;
  recorded_at: string;
}

export interface RunStatus {
  run_id: string;
  raw_status: string;
  state: JobState;
  /** `stalled` / computed `stale`. */
  stale: boolean;
  /** false when /api/agents/{id} said 404 (finished, not an error). */
  live: boolean;
  branch: string | null;
  pr_url: string | null;
  issue_url: string | null;
  summary: string | null;
  grade: string | null;
  completed_at: string | null;
  /** Events after the `after_event_id` asked for, oldest first. */
  events: RunEvent[];
}

export interface Artifact {
  path: string;
  diff: string;
  timestamp: string | null;
  lines_omitted: number;
}

export interface AgentceptionBridge {
  readonly transport: 'http' | 'mock' | 'disabled';
  health(): Promise<BridgeHealth>;
  launch(req: LaunchRequest): Promise<LaunchResult>;
  status(runId: string, opts?: { after_event_id?: number }): Promise<RunStatus>;
  artifacts(runId: string): Promise<Artifact[]>;
  cancel(runId: string): Promise<{ ok: boolean; raw_status: string; state: JobState }>;
  /**
   * The runs that may have been created by a launch with this key (never creates one): [] when AgentCeption
   * answers that there is none. Throws UpstreamError when it cannot tell (unreachable, not ours, bad reply).
   */
  findLaunch(key: LaunchKey): Promise<LaunchResult[]>;
}

/** An upstream failure, with what the operator should do. Bridges throw this, never raw fetch/zod errors. */
export class UpstreamError extends Error {
  constructor(
    readonly system: 'phios' | 'agentception' | 'webhook',
    readonly kind: 'refused' | 'timeout' | 'unauthorized' | 'not_found' | 'conflict' | 'bad_reply' | 'denied' | 'failed',
    message: string,
    readonly fix_hint: string,
    readonly status?: number,
  ) {
    super(message);
  }

  /** The connection was up when it failed: the request may have been received and acted on. */
  maybeDelivered?: boolean;
}

export interface MissionBridges {
  phios: PhiosBridge;
  agentception: AgentceptionBridge;
  close(): Promise<void>;
}
