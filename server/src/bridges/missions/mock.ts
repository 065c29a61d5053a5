// Mock PhiOS + AgentCeption (AGENTORA_INTEGRATIONS_MOCK=true, the default on first launch): deterministic, no
// process, no network, so a new user can run the whole mission loop at once.
//
// AgentCeption mock: a launched job moves one step per status read — queued (pending_launch) → running
// (implementing) → running (reviewing) → succeeded (completed) with a `done` event carrying the PR URL and a
// summary, and artifacts from its "memory". Markers in the issue body pick other endings, for demos and tests:
// `mock:fail` ends failed, `mock:block` passes through blocked (resumable) before finishing, `mock:cancel` ends
// cancelled. A job the mock does not know (e.g. after a server restart) is rebuilt from its id, so missions
// launched before a restart still finish.
//
// Nothing here is real, and it says so: PR and issue links point at `agentception.mock.invalid` (a reserved
// name that never resolves, RFC 6761) rather than at GitHub, and missions record `mock: true`.
import { createHash } from 'node:crypto';
import type { Config } from '../../config';
import {
  MissionContextPacket,
  type AgentceptionBridge,
  type Artifact,
  type BridgeHealth,
  type ContextPackRequest,
  type JobState,
  type LaunchKey,
  type LaunchRequest,
  type MissionBridges,
  type Persona,
  type PhiosBridge,
  type RunEvent,
  type RunStatus,
  type WritebackRequest,
  type WritebackResult,
} from './types';

const hex = (s: string) => createHash('sha256').update(s).digest('hex');
const MOCK_TIME = '2026-01-01T00:00:00.000Z';
/** Where mock links point: `.invalid` never resolves, so a mock PR link can never be mistaken for (or open) a real one. */
export const MOCK_LINK_BASE = 'https://agentception.mock.invalid';

export const MOCK_PERSONAS: readonly Persona[] = [
  {
    id: 'default',
    name: 'Default Engineer',
    role: 'software engineer',
    style: 'pragmatic, small reviewed steps',
    goals: ['ship working code', 'keep tests green'],
    constraints: ['no unrelated changes'],
  },
  {
    id: 'skeptic_reviewer',
    name: 'Skeptic Reviewer',
    role: 'reviewer',
    style: 'questions every assumption',
    goals: ['find defects before merge'],
    constraints: ['every change needs a test'],
  },
  {
    id: 'architect_refactorer',
    name: 'Architect Refactorer',
    role: 'architect',
    style: 'structure first',
    goals: ['clear module boundaries'],
    constraints: ['no behaviour change without a test'],
  },
  {
    id: 'conservative_stabilizer',
    name: 'Conservative Stabilizer',
    role: 'maintainer',
    style: 'minimal, safe patches',
    goals: ['stability'],
    constraints: ['smallest possible diff'],
  },
  {
    id: 'rapid_builder',
    name: 'Rapid Builder',
    role: 'builder',
    style: 'fast iterations',
    goals: ['working prototype quickly'],
    constraints: ['keep it runnable'],
  },
];

function health(name: 'phios' | 'agentception'): BridgeHealth {
  return {
    name,
    transport: 'mock',
    ok: true,
    mock: true,
    detail: 'mock integration (AGENTORA_INTEGRATIONS_MOCK=true): deterministic, no network',
    fix_hint: '',
    latency_ms: 0,
  };
}

/** Risk flags the mock derives from words in the objective, so scores and risk levels vary realistically. */
function riskFlags(text: string): MissionContextPacket['risk_flags'] {
  const t = text.toLowerCase();
  const flags: MissionContextPacket['risk_flags'] = [];
  if (/migrat|schema|database/.test(t))
    flags.push({ name: 'data migration', severity: 'high', mitigation: 'back up and test the migration on a copy' });
  if (/auth|security|token|secret/.test(t))
    flags.push({ name: 'security-sensitive', severity: 'high', mitigation: 'ask a reviewer to check the auth paths' });
  if (/refactor|rewrite/.test(t)) flags.push({ name: 'wide change', severity: 'medium', mitigation: 'split into reviewable steps' });
  return flags;
}

export function createMockPhios(): PhiosBridge {
  const persona = (id: string): Persona =>
    MOCK_PERSONAS.find((p) => p.id === id) ?? { ...MOCK_PERSONAS[0]!, id, name: id.replace(/[_-]+/g, ' ').replace(/\b\w/g, (c) => c.toUpperCase()) };
  return {
    transport: 'mock',
    async health() {
      return health('phios');
    },
    async persona(id) {
      return MOCK_PERSONAS.find((p) => p.id === id) ?? null;
    },
    async contextPack(req: ContextPackRequest) {
      const p = persona(req.persona_id);
      const topic = `agentora:${req.repo}`;
      const seed = hex(`${req.repo}|${req.mission_title}|${req.objective}`).slice(0, 8);
      return MissionContextPacket.parse({
        session_id: req.session_id,
        persona: p,
        mission_title: req.mission_title,
        mission_objective: req.objective,
        repo: req.repo,
        operator_intent: req.operator_intent,
        summary: `${p.name} on ${req.repo}: ${req.objective.slice(0, 160)}`,
        memory_snippets: [
          {
            id: `mem-${seed}-1`,
            text: `${req.repo} keeps its tests next to the code and runs them in CI.`,
            source: `phios://agents/memory/${topic}`,
            score: 0.82,
          },
          {
            id: `mem-${seed}-2`,
            text: `Earlier missions on ${req.repo} were accepted when each PR stayed small and described its tests.`,
            source: 'phios://agents/deliberations/recent',
            score: 0.74,
          },
        ],
        constraints: [...req.constraints, ...p.constraints],
        recommended_next_actions: ['read the failing tests first', 'keep the diff focused on the objective'],
        coding_style_preferences: [{ name: p.style, detail: `persona ${p.id}` }],
        architectural_principles: [{ name: 'small modules', rationale: 'easier to review and test' }],
        risk_flags: riskFlags(`${req.mission_title} ${req.objective}`),
        success_criteria: [{ name: 'tests pass', metric: 'CI green' }],
        dispatch_brief: { objective: req.objective, scope: [req.repo], non_goals: ['unrelated refactors'] },
        generated_at: MOCK_TIME,
        source: 'mock',
        raw: { mock: true, topic },
      });
    },
    async writeback(req: WritebackRequest): Promise<WritebackResult> {
      const ref = `mock-deliberation-${hex(JSON.stringify([req.mission_id, req.outcome_status, req.summary, req.pr_url, req.operator_notes, req.tags])).slice(0, 12)}`;
      return { ok: true, ref, message: `stored as a deliberation on topic agentora:${req.repo} (mock)` };
    },
    async close() {},
  };
}

interface MockJob {
  run_id: string;
  issue_number: number;
  repo: string;
  ending: 'succeeded' | 'failed' | 'cancelled';
  blockOnce: boolean;
  reads: number;
}

interface Step {
  raw: string;
  state: JobState;
  event?: { event_type: string; payload: Record<string, unknown> };
}

/** The script a job follows, one step per status read. */
function script(job: MockJob): Step[] {
  const pr = `${MOCK_LINK_BASE}/${job.repo}/pull/${job.issue_number}`;
  const steps: Step[] = [
    { raw: 'implementing', state: 'running', event: { event_type: 'step_start', payload: { step: 'read the brief and the repository' } } },
    { raw: 'implementing', state: 'running', event: { event_type: 'file_edit', payload: { path: 'src/feature.ts' } } },
  ];
  if (job.blockOnce) {
    steps.push({ raw: 'blocked', state: 'blocked', event: { event_type: 'activity', payload: { message: 'waiting for a human answer (mock)' } } });
    steps.push({ raw: 'recovering', state: 'running', event: { event_type: 'activity', payload: { message: 'unblocked, continuing' } } });
  }
  steps.push({ raw: 'reviewing', state: 'running', event: { event_type: 'step_start', payload: { step: 'self-review and tests' } } });
  if (job.ending === 'succeeded') {
    steps.push({
      raw: 'completed',
      state: 'succeeded',
      event: {
        event_type: 'done',
        payload: {
          pr_url: pr,
          summary: `Implemented the mission on ${job.repo} in branch agent/issue-${job.issue_number}: updated src/feature.ts and added tests in test/feature.test.ts; all tests pass.`,
          grade: 'A',
        },
      },
    });
  } else if (job.ending === 'failed') {
    steps.push({ raw: 'failed', state: 'failed', event: { event_type: 'error', payload: { message: 'tests failed after three attempts (mock)' } } });
  } else {
    steps.push({ raw: 'cancelled', state: 'cancelled', event: { event_type: 'activity', payload: { message: 'cancelled (mock)' } } });
  }
  return steps;
}

export function createMockAgentception(): AgentceptionBridge {
  const jobs = new Map<string, MockJob>();
  const jobFor = (runId: string): MockJob => {
    let job = jobs.get(runId);
    if (!job) {
      // Unknown (e.g. launched before a restart): rebuild it from the id so it still finishes.
      const n = Number(/(\d+)$/.exec(runId)?.[1] ?? 1);
      job = { run_id: runId, issue_number: n, repo: 'agentora/mock-repo', ending: 'succeeded', blockOnce: false, reads: 0 };
      jobs.set(runId, job);
    }
    return job;
  };
  const eventsOf = (job: MockJob, upTo: number): RunEvent[] =>
    script(job)
      .slice(0, upTo)
      .map((s, i) => ({
        id: i + 1,
        event_type: s.event!.event_type,
        payload: s.event!.payload,
        recorded_at: new Date(Date.parse(MOCK_TIME) + (i + 1) * 1000).toISOString(),
      }));

  return {
    transport: 'mock',
    async health() {
      return health('agentception');
    },
    async launch(req: LaunchRequest) {
      const n = req.issue_number ?? (parseInt(hex(req.issue_title + req.repo).slice(0, 6), 16) % 9000) + 1000;
      const run_id = req.mode === 'label' ? `label-${n}` : `issue-${n}`;
      const body = req.issue_body;
      jobs.set(run_id, {
        run_id,
        issue_number: n,
        repo: req.repo,
        ending: body.includes('mock:fail') ? 'failed' : body.includes('mock:cancel') ? 'cancelled' : 'succeeded',
        blockOnce: body.includes('mock:block'),
        reads: 0,
      });
      return {
        run_id,
        raw_status: 'pending_launch',
        state: 'queued',
        branch: `agent/issue-${n}`,
        worktree: `/worktrees/issue-${n}`,
        batch_id: `batch-${n}`,
      };
    },
    async status(runId, opts): Promise<RunStatus> {
      const job = jobFor(runId);
      const steps = script(job);
      job.reads = Math.min(job.reads + 1, steps.length);
      const step = steps[job.reads - 1]!;
      const events = eventsOf(job, job.reads).filter((e) => e.id > (opts?.after_event_id ?? 0));
      const done = step.event?.event_type === 'done' ? (step.event.payload as { pr_url: string; summary: string; grade: string }) : null;
      const terminal = ['succeeded', 'failed', 'cancelled'].includes(step.state);
      return {
        run_id: runId,
        raw_status: step.raw,
        state: step.state,
        stale: false,
        live: !terminal,
        branch: `agent/issue-${job.issue_number}`,
        pr_url: done?.pr_url ?? null,
        issue_url: `${MOCK_LINK_BASE}/${job.repo}/issues/${job.issue_number}`,
        summary: done?.summary ?? null,
        grade: done?.grade ?? null,
        completed_at: terminal ? new Date(Date.parse(MOCK_TIME) + job.reads * 1000).toISOString() : null,
        events,
      };
    },
    async artifacts(runId): Promise<Artifact[]> {
      const job = jobFor(runId);
      if (job.reads < 2) return [];
      const files: Artifact[] = [
        {
          path: 'src/feature.ts',
          diff: '@@ -1,3 +1,8 @@\n+export function feature() {\n+  return true;\n+}\n',
          timestamp: MOCK_TIME,
          lines_omitted: 0,
        },
      ];
      if (job.ending === 'succeeded' && job.reads >= script(job).length)
        files.push({
          path: 'test/feature.test.ts',
          diff: "@@ -0,0 +1,4 @@\n+test('feature', () => expect(feature()).toBe(true));\n",
          timestamp: MOCK_TIME,
          lines_omitted: 0,
        });
      return files;
    },
    async cancel(runId) {
      const job = jobFor(runId);
      job.ending = 'cancelled';
      return { ok: true, raw_status: 'cancelled', state: 'cancelled' };
    },
    async findLaunch(key: LaunchKey) {
      // Mock jobs live in this process: after a restart there is nothing to find (and nothing real was started).
      const id = key.mode === 'issue' ? `issue-${key.issue_number}` : `label-${key.issue_number}`;
      const job = jobs.get(id);
      return job
        ? [
            {
              run_id: id,
              raw_status: 'pending_launch',
              state: 'queued' as const,
              branch: `agent/issue-${job.issue_number}`,
              worktree: `/worktrees/issue-${job.issue_number}`,
              batch_id: `batch-${job.issue_number}`,
            },
          ]
        : [];
    },
  };
}

export function createMockBridges(_config: Config): MissionBridges {
  return { phios: createMockPhios(), agentception: createMockAgentception(), async close() {} };
}
