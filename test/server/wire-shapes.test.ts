// Wire drift test (like the manifest test): every route of ../shared/brief/http-api.md that the real server
// serves must declare its wire shape in the protocol (`rest.wire`, wire-shapes.md), and its answer on a real
// server — seeded through the API in mock mode — must match that shape. A route another area adds later fails
// here until it declares `wire` and a call recipe below.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { z } from 'zod';
import { allMethods, type RestRoute } from '../../server/src/protocol';
import { httpApiRoutes, normPath, routeKey, type DocRoute } from '../helpers/httpApi';
import { startServer, type TestServer } from '../helpers/server';

const API = '/api/integrations';

/** Every protocol REST route by key (`VERB /path/{}`), with its wire shape if declared. */
const declared = new Map<string, { method: string; route: RestRoute }>();
for (const m of allMethods)
  for (const r of (m.rest ? (Array.isArray(m.rest) ? m.rest : [m.rest]) : []) as RestRoute[])
    declared.set(routeKey(r.verb, r.path), { method: m.method, route: r });

let s: TestServer;
let tmp: string;
const seed: Record<string, string | number> = {};

async function call(verb: string, p: string, body?: unknown): Promise<{ status: number; body: any; headers: Headers }> {
  const r = await s.fetch(p, { method: verb, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await r.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON: the schema check reports it */
  }
  return { status: r.status, body: parsed, headers: r.headers };
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 15000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Is this route served? GET: a real route answers anything but our "No route" 404. Other verbs: a body in a
 * content type nobody parses gets 415 from a route that exists (before any handler runs: no side effects), 404
 * from one that does not.
 */
async function served(r: DocRoute): Promise<boolean> {
  const p = r.path.replace(/\{\}/g, '1');
  if (r.verb === 'GET') {
    const res = await call('GET', p);
    return !(res.status === 404 && String(res.body?.message ?? '').startsWith('No route'));
  }
  const res = await s.fetch(p, { method: r.verb, body: 'x', headers: { 'content-type': 'application/x-agentora-probe' } });
  await res.body?.cancel();
  return res.status !== 404;
}

/** Routes that answer server-sent events (checked for the stream, not a JSON shape). */
const STREAMS = new Set(['GET /api/runs/{}/stream']);

/** How to call a route: a path (+ body), or `send` for a route whose success needs a state only a race can give. */
type Recipe = () => { path: string; body?: unknown; send?: () => Promise<{ status: number; body: any; headers: Headers }> };
const id = (k: string) => String(seed[k]);
/** A two-step workflow (model call, approval gate) as earlier clients posted it: steps with positions. */
const wireWorkflow = (name: string) => ({
  name,
  description: 'wire',
  params_schema: { type: 'object', properties: { topic: { type: 'string' } } },
  steps: [
    { position: 1, step_type: 'model_call', tool_name: null, params: { prompt: 'About {{inputs.topic}}' }, requires_approval: false },
    { position: 2, step_type: 'approval_gate', params: {}, requires_approval: true },
  ],
});
const RECIPES: Record<string, Recipe> = {
  'GET /api/health': () => ({ path: '/api/health' }),
  'GET /api/system/health': () => ({ path: '/api/system/health' }),
  'GET /api/system/version': () => ({ path: '/api/system/version' }),
  'GET /api/system/doctor': () => ({ path: '/api/system/doctor' }),
  'POST /api/system/bootstrap': () => ({ path: '/api/system/bootstrap', body: { auto_fix: true } }),
  'GET /api/ollama/models': () => ({ path: '/api/ollama/models' }),
  'POST /api/ollama/test': () => ({ path: '/api/ollama/test', body: {} }),

  'GET /api/actions/pending': () => ({ path: '/api/actions/pending' }),
  'GET /api/actions/history': () => ({ path: '/api/actions/history' }),
  'POST /api/actions': () => ({
    path: '/api/actions',
    body: { run_id: 7001, agent_id: 0, action_class: 'desktop', tool_name: 'desktop_list_dir', params: { path: tmp }, requested_worker: false },
  }),
  'POST /api/actions/{}/approve': () => ({ path: `/api/actions/${id('approveAction')}/approve`, body: { reason: 'wire test' } }),
  'POST /api/actions/{}/deny': () => ({ path: `/api/actions/${id('denyAction')}/deny`, body: { reason: 'wire test' } }),

  'GET /api/memory/layers': () => ({ path: '/api/memory/layers' }),
  'GET /api/memory/capsules/{}': () => ({ path: `/api/memory/capsules/${id('capsule')}` }),
  'GET /api/memory/capsules/{}/lineage': () => ({ path: `/api/memory/capsules/${id('capsule')}/lineage` }),
  'GET /api/memory/capsules/{}/neighbors': () => ({ path: `/api/memory/capsules/${id('capsule')}/neighbors` }),
  'GET /api/memory/runs/{}/contexts': () => ({ path: '/api/memory/runs/wire-run/contexts' }),
  'GET /api/memory/runs/{}/retrieval': () => ({ path: '/api/memory/runs/wire-run/retrieval' }),
  'GET /api/memory/runs/{}/trace': () => ({ path: '/api/memory/runs/wire-run/trace' }),
  'GET /api/memory/health': () => ({ path: '/api/memory/health' }),
  'GET /api/memory/conflicts': () => ({ path: '/api/memory/conflicts' }),
  'GET /api/memory/duplicates': () => ({ path: '/api/memory/duplicates' }),
  'POST /api/memory/maintenance/run': () => ({ path: '/api/memory/maintenance/run', body: { wait: true } }),
  'POST /api/memory/maintenance/conflicts': () => ({ path: '/api/memory/maintenance/conflicts', body: { wait: true } }),
  'POST /api/memory/maintenance/duplicates': () => ({ path: '/api/memory/maintenance/duplicates', body: { wait: true } }),
  'POST /api/memory/capsules/{}/promote': () => ({ path: `/api/memory/capsules/${id('capsule')}/promote`, body: {} }),
  'POST /api/memory/capsules/{}/demote': () => ({ path: `/api/memory/capsules/${id('capsule')}/demote`, body: {} }),
  'POST /api/memory/capsules/{}/refine': () => ({
    path: `/api/memory/capsules/${id('refineCapsule')}/refine`,
    body: { text: 'The deploy script lives in scripts/deploy.sh (refined).' },
  }),
  'POST /api/capsules/search': () => ({ path: '/api/capsules/search', body: { query: 'deploy script', top_k: 6 } }),
  'POST /api/memory/capsules': () => ({ path: '/api/memory/capsules', body: { text: 'Wire shapes are declared on the route.' } }),

  'GET /api/integrations/status': () => ({ path: `${API}/status` }),
  'POST /api/integrations/enable': () => ({ path: `${API}/enable`, body: { name: 'phios', enabled: false, config: {} } }),
  'GET /api/integrations/phios/health': () => ({ path: `${API}/phios/health` }),
  'GET /api/integrations/phios/persona/{}': () => ({ path: `${API}/phios/persona/skeptic_reviewer` }),
  'POST /api/integrations/phios/context-pack': () => ({
    path: `${API}/phios/context-pack`,
    body: { repo: 'acme/widgets', mission_title: 'Pack', objective: 'Just a packet' },
  }),
  'GET /api/integrations/agentception/health': () => ({ path: `${API}/agentception/health` }),
  'POST /api/integrations/agentception/launch': () => ({
    path: `${API}/agentception/launch`,
    body: { repo: 'acme/widgets', issue_title: 'Direct launch' },
  }),
  'GET /api/integrations/agentception/jobs/{}': () => ({ path: `${API}/agentception/jobs/${id('jobId')}` }),
  'POST /api/integrations/runs/prepare': () => ({
    path: `${API}/runs/prepare`,
    body: {
      persona_id: 'skeptic_reviewer',
      repo: 'acme/widgets',
      mission_title: 'Prepared only',
      objective: 'Check the shape',
      operator_intent: 'test',
      constraints: [],
    },
  }),
  'POST /api/integrations/runs/launch': () => ({
    path: `${API}/runs/launch`,
    body: { repo: 'acme/widgets', mission_title: 'Dry', objective: 'A dry run', dry_run: true },
  }),
  'GET /api/integrations/runs': () => ({ path: `${API}/runs?limit=5` }),
  'GET /api/integrations/runs/{}': () => ({ path: `${API}/runs/${id('left')}` }),
  'POST /api/integrations/runs/{}/refresh': () => ({ path: `${API}/runs/${id('left')}/refresh`, body: {} }),
  'POST /api/integrations/runs/{}/watch': () => ({ path: `${API}/runs/${id('unwatched')}/watch`, body: {} }),
  'POST /api/integrations/runs/{}/unwatch': () => ({ path: `${API}/runs/${id('unwatched')}/unwatch`, body: {} }),
  'POST /api/integrations/runs/{}/writeback': () => ({
    path: `${API}/runs/${id('left')}/writeback`,
    body: { operator_notes: 'wire test', tags: ['wire'] },
  }),
  'GET /api/integrations/runs/{}/timeline': () => ({ path: `${API}/runs/${id('left')}/timeline` }),
  'GET /api/integrations/runs/compare': () => ({ path: `${API}/runs/compare?left_run_id=${id('left')}&right_run_id=${id('right')}` }),
  'GET /api/integrations/runs/{}/snapshot': () => ({ path: `${API}/runs/${id('left')}/snapshot` }),
  'POST /api/integrations/runs/{}/fork': () => ({
    path: `${API}/runs/${id('left')}/fork`,
    body: { replay_kind: 'edited', objective: 'Fix the login redirect, smaller', fork_reason: 'wire test', provenance_note: 'wire', dry_run: false },
  }),
  'POST /api/integrations/runs/{}/replay': () => ({ path: `${API}/runs/${id('left')}/replay`, body: { replay_kind: 'retry', dry_run: true } }),
  'POST /api/integrations/runs/{}/launch-from-draft': () => ({ path: `${API}/runs/${id('draft')}/launch-from-draft`, body: { dry_run: true } }),
  'GET /api/integrations/runs/{}/lineage': () => ({ path: `${API}/runs/${id('draft')}/lineage` }),
  'GET /api/integrations/lineage/{}': () => ({ path: `${API}/lineage/${id('left')}` }),
  'GET /api/integrations/runs/{}/provenance': () => ({ path: `${API}/runs/${id('draft')}/provenance` }),
  'GET /api/integrations/branch-strategies': () => ({ path: `${API}/branch-strategies` }),
  'POST /api/integrations/runs/{}/branch-set': () => ({
    path: `${API}/runs/${id('left')}/branch-set`,
    body: {
      set_label: 'wire',
      dry_run: true,
      auto_launch_selected: true,
      specs: [{ preset: 'minimal_patch', launch: true }, { preset: 'exploratory_branch' }],
    },
  }),
  'POST /api/integrations/runs/{}/shortlist': () => ({ path: `${API}/runs/${id('left')}/shortlist`, body: { decision_note: 'wire' } }),
  'POST /api/integrations/runs/{}/eliminate': () => ({ path: `${API}/runs/${id('right')}/eliminate`, body: { decision_note: 'wire' } }),
  'GET /api/integrations/runs/{}/portfolio': () => ({ path: `${API}/runs/${id('left')}/portfolio` }),
  'GET /api/integrations/lineage/{}/portfolio': () => ({ path: `${API}/lineage/${id('left')}/portfolio` }),
  'GET /api/integrations/lineage/{}/decision-summary': () => ({ path: `${API}/lineage/${id('left')}/decision-summary` }),
  // Personas, decisions / audit and analytics (missions-personas*.test.ts and missions-audit*.test.ts prove the behaviour).
  'GET /api/integrations/personas': () => ({ path: `${API}/personas` }),
  'GET /api/integrations/personas/{}': () => ({ path: `${API}/personas/skeptic_reviewer` }),
  'GET /api/integrations/persona-overlays': () => ({ path: `${API}/persona-overlays` }),
  'POST /api/integrations/runs/{}/persona-branch-set': () => ({
    path: `${API}/runs/${id('left')}/persona-branch-set`,
    body: { dry_run: true, auto_launch_selected: true, specs: [{ persona_id: 'rapid_builder', overlay: 'rapid_builder', launch: true }] },
  }),
  'GET /api/integrations/lineage/{}/persona-portfolio': () => ({ path: `${API}/lineage/${id('left')}/persona-portfolio` }),
  'GET /api/integrations/lineage/{}/persona-summary': () => ({ path: `${API}/lineage/${id('left')}/persona-summary` }),
  'GET /api/integrations/persona-insights': () => ({ path: `${API}/persona-insights` }),
  'POST /api/integrations/runs/{}/override': () => ({
    path: `${API}/runs/${id('right')}/override`,
    body: { decision: 'manual_override', shortlisted: true, note: 'wire' },
  }),
  'GET /api/integrations/runs/{}/decision-events': () => ({ path: `${API}/runs/${id('right')}/decision-events` }),
  'GET /api/integrations/runs/{}/persona-compare': () => ({ path: `${API}/runs/${id('left')}/persona-compare?other_run_id=${id('right')}` }),
  'GET /api/integrations/persona-trends': () => ({ path: `${API}/persona-trends?window=30d` }),
  'GET /api/integrations/persona-trends/matrix': () => ({ path: `${API}/persona-trends/matrix?window=all` }),
  'POST /api/integrations/runs/{}/policy-check': () => ({ path: `${API}/runs/${id('left')}/policy-check`, body: { action: 'shortlist' } }),
  'GET /api/integrations/runs/{}/audit-summary': () => ({ path: `${API}/runs/${id('right')}/audit-summary` }),
  'GET /api/integrations/lineage/{}/decision-audit': () => ({ path: `${API}/lineage/${id('left')}/decision-audit` }),
  'GET /api/integrations/analytics/cache': () => ({ path: `${API}/analytics/cache` }),
  'POST /api/integrations/analytics/cache/invalidate': () => ({ path: `${API}/analytics/cache/invalidate`, body: { prefix: 'persona-' } }),
  'GET /api/integrations/policy-templates': () => ({ path: `${API}/policy-templates` }),
  'GET /api/integrations/policy-templates/{}': () => ({ path: `${API}/policy-templates/strict_review` }),
  'POST /api/integrations/runs/{}/apply-policy-template': () => ({
    path: `${API}/runs/${id('unwatched')}/apply-policy-template`,
    body: { template_name: 'exploratory_lab' },
  }),
  'GET /api/integrations/exports/persona-trends': () => ({ path: `${API}/exports/persona-trends?window=all` }),
  'GET /api/integrations/exports/persona-matrix': () => ({ path: `${API}/exports/persona-matrix?window=all` }),
  'GET /api/integrations/exports/audit-summary': () => ({ path: `${API}/exports/audit-summary` }),
  'GET /api/integrations/drilldown/persona-matrix': () => ({
    path: `${API}/drilldown/persona-matrix?window=all&persona_id=skeptic_reviewer&strategy=none`,
  }),
  'GET /api/integrations/drilldown/persona-trends': () => ({ path: `${API}/drilldown/persona-trends?window=all&persona_id=skeptic_reviewer` }),
  'GET /api/integrations/drilldown/recommendations': () => ({ path: `${API}/drilldown/recommendations?root_run_id=${id('left')}` }),
  'GET /api/integrations/drilldown/policy-blocks': () => ({ path: `${API}/drilldown/policy-blocks` }),
  // Pattern memory (missions-patterns.test.ts): three candidates of the seed, one decided by each route.
  'GET /api/integrations/memory/patterns': () => ({ path: `${API}/memory/patterns` }),
  'GET /api/integrations/memory/patterns/candidates': () => ({ path: `${API}/memory/patterns/candidates` }),
  'POST /api/integrations/memory/patterns/{}/promote': () => ({
    path: '',
    send: async () => call('POST', `${API}/memory/patterns/${await candidate(0)}/promote`, { note: 'wire' }),
  }),
  'POST /api/integrations/memory/patterns/{}/reject': () => ({
    path: '',
    send: async () => call('POST', `${API}/memory/patterns/${await candidate(0)}/reject`, { note: 'wire' }),
  }),
  'POST /api/integrations/memory/patterns/{}/archive': () => ({
    path: '',
    send: async () => call('POST', `${API}/memory/patterns/${await candidate(0)}/archive`, { note: 'wire' }),
  }),
  'GET /api/integrations/memory/summaries': () => ({ path: `${API}/memory/summaries` }),
  'GET /api/integrations/memory/summaries/cross-repo': () => ({ path: `${API}/memory/summaries/cross-repo` }),
  'GET /api/integrations/memory/suggestions/new-mission': () => ({ path: `${API}/memory/suggestions/new-mission?repo=acme/widgets` }),
  'GET /api/integrations/memory/suggestions/replay': () => ({ path: `${API}/memory/suggestions/replay?run_id=${id('left')}` }),
  'GET /api/integrations/memory/suggestions/branch-set': () => ({ path: `${API}/memory/suggestions/branch-set?run_id=${id('left')}` }),
  'GET /api/integrations/metrics': () => ({ path: `${API}/metrics` }),
  'GET /api/integrations/watcher/events': () => ({ path: `${API}/watcher/events?limit=5` }),
  'GET /api/integrations/insights': () => ({ path: `${API}/insights` }),
  'GET /api/integrations/cohorts': () => ({ path: `${API}/cohorts?group_by=repo` }),
  'GET /api/integrations/cohorts/summary': () => ({ path: `${API}/cohorts/summary` }),
  'GET /api/integrations/retention': () => ({ path: `${API}/retention` }),
  'POST /api/integrations/retention/compact': () => ({ path: `${API}/retention/compact`, body: { dry_run: true } }),
  'GET /api/integrations/alerts/events': () => ({ path: `${API}/alerts/events` }),
  'GET /api/integrations/export': () => ({ path: `${API}/export` }),
  // An empty unsigned bundle: the shape of the answer is what is checked here (missions-exchange.test.ts imports real ones).
  'POST /api/integrations/import': () => ({
    path: `${API}/import`,
    body: {
      schema_version: 'mission-export-v1',
      exported_at: new Date().toISOString(),
      filters: {},
      runs: [],
      watcher_events: [],
      alert_events: [],
      operator_decision_events: [],
      mission_patterns: [],
      snapshots: {},
      signed: false,
    },
  }),
  // Teams and runs (mock model): an agent, a team from a template, a finished run.
  'GET /api/agents': () => ({ path: '/api/agents' }),
  'POST /api/agents': () => ({
    path: '/api/agents',
    body: {
      name: 'Wire scout',
      model: 'llama3.2',
      role: 'researcher',
      system_prompt: 'Find things.',
      tools_json: '["memory_search"]',
      memory_mode: 'read',
    },
  }),
  'GET /api/agents/capabilities': () => ({ path: '/api/agents/capabilities' }),
  'POST /api/agents/{}/capabilities': () => ({ path: `/api/agents/${id('agent')}/capabilities`, body: { can_critique: true } }),
  'GET /api/teams': () => ({ path: '/api/teams' }),
  'POST /api/teams': () => ({ path: '/api/teams', body: { name: 'Wire duo', mode: 'careful', agent_ids: [Number(id('agent'))] } }),
  'GET /api/teams/templates': () => ({ path: '/api/teams/templates' }),
  'POST /api/teams/export-yaml': () => ({ path: '/api/teams/export-yaml', body: { team_id: Number(id('team')) } }),
  'POST /api/teams/import-yaml': () => ({ path: '/api/teams/import-yaml', body: { yaml_text: String(seed.teamYaml) } }),
  'POST /api/team/modes/preview': () => ({ path: '/api/team/modes/preview', body: { team_id: Number(id('team')), prompt: 'review this change' } }),
  'POST /api/team/plan': () => ({ path: '/api/team/plan', body: { team_id: Number(id('team')), prompt: 'write the summary to notes.txt' } }),
  'GET /api/runs': () => ({ path: '/api/runs' }),
  'POST /api/runs': () => ({ path: '/api/runs', body: { team_id: Number(id('team')), prompt: 'summarise the notes' } }),
  'GET /api/runs/{}': () => ({ path: `/api/runs/${id('run')}` }),
  // A mock run may finish before the pause arrives (409): start fresh runs until one is caught running.
  'POST /api/runs/{}/pause': () => ({
    path: '',
    send: async () => {
      let res = { status: 0, body: null as any, headers: new Headers() };
      for (let i = 0; i < 20 && res.status !== 200; i++) {
        const started = await call('POST', '/api/runs', { team_id: Number(id('team')), prompt: 'summarise the notes' });
        res = await call('POST', `/api/runs/${started.body.run_id}/pause`, {});
        if (res.status === 200) seed.pausedRun = started.body.run_id;
      }
      return res;
    },
  }),
  'POST /api/runs/{}/resume': () => ({ path: `/api/runs/${id('pausedRun')}/resume`, body: {} }),
  'POST /api/runs/{}/clone-agent': () => ({ path: `/api/runs/${id('run')}/clone-agent`, body: { agent_id: Number(id('agent')) } }),
  'GET /api/runs/{}/trace': () => ({ path: `/api/runs/${id('run')}/trace` }),
  'GET /api/runs/{}/plan': () => ({ path: `/api/runs/${id('run')}/plan` }),
  'GET /api/runs/{}/collaboration-trace': () => ({ path: `/api/runs/${id('run')}/collaboration-trace` }),
  'GET /api/workers': () => ({ path: '/api/workers' }),
  'POST /api/workers/register': () => ({
    path: '/api/workers/register',
    body: { name: 'wire worker', url: 'http://127.0.0.1:9', capabilities: ['memory_maintenance'] },
  }),
  'POST /api/workers/heartbeat': () => ({ path: '/api/workers/heartbeat', body: { worker_id: Number(id('worker')), status: 'idle' } }),
  'POST /api/workers/dispatch': () => ({ path: '/api/workers/dispatch', body: { job_type: 'memory_maintenance', payload: {}, priority: 5 } }),
  'GET /api/workers/jobs/{}': () => ({ path: `/api/workers/jobs/${id('workerJob')}` }),
  'GET /api/runs/{}/handoffs': () => ({ path: `/api/runs/${id('run')}/handoffs` }),
  'GET /api/runs/{}/team': () => ({ path: `/api/runs/${id('run')}/team` }),
  'GET /api/runs/{}/actions': () => ({ path: `/api/runs/${id('run')}/actions` }),
  'GET /api/runs/{}/stream': () => ({ path: `/api/runs/${id('run')}/stream` }),
  'POST /api/runs/{}/attachments': () => ({
    path: `/api/runs/${id('run')}/attachments`,
    // Multipart, as earlier clients upload: one `file` part.
    send: async () => {
      const form = new FormData();
      form.append('file', new Blob(['# Wire notes\n\nAttached to a run.\n']), 'wire notes.md');
      const r = await s.fetch(`/api/runs/${id('run')}/attachments`, { method: 'POST', body: form });
      return { status: r.status, body: await r.json(), headers: r.headers };
    },
  }),
  'GET /api/exports/run/{}': () => ({ path: `/api/exports/run/${id('run')}` }),
  'GET /api/analytics/overview': () => ({ path: '/api/analytics/overview' }),
  'GET /api/analytics/runs/{}': () => ({ path: `/api/analytics/runs/${id('run')}` }),
  'GET /api/analytics/export.csv': () => ({ path: '/api/analytics/export.csv' }),
  // Workflows and operator (seeded below: a definition, a run waiting at its gate, a failed run).
  'GET /api/workflows': () => ({ path: '/api/workflows' }),
  'POST /api/workflows': () => ({ path: '/api/workflows', body: wireWorkflow('wire posted') }),
  'GET /api/workflows/{}': () => ({ path: `/api/workflows/${id('workflow')}` }),
  'POST /api/workflows/{}/run': () => ({ path: `/api/workflows/${id('workflow')}/run`, body: { run_id: 7001, inputs: { topic: 'wire' } } }),
  'GET /api/workflows/{}/runs': () => ({ path: `/api/workflows/${id('workflow')}/runs` }),
  'POST /api/workflows/{}/clone': () => ({ path: `/api/workflows/${id('workflow')}/clone`, body: { name: 'wire clone' } }),
  'POST /api/workflows/{}/steps/{}': () => ({ path: `/api/workflows/${id('workflow')}/steps/${id('wfStep')}`, body: { max_retries: 1 } }),
  'POST /api/workflows/runs/{}/replay': () => ({ path: `/api/workflows/runs/${id('waitingRun')}/replay`, body: {} }),
  'GET /api/operator/runs': () => ({ path: '/api/operator/runs' }),
  'POST /api/operator/runs': () => ({
    path: '/api/operator/runs',
    body: { workflow_id: Number(id('workflow')), run_id: 7002, mode: 'stepwise', worker_mode: 'auto', inputs: { topic: 'wire' } },
  }),
  'GET /api/operator/runs/{}': () => ({ path: `/api/operator/runs/${id('waitingRun')}` }),
  'POST /api/operator/runs/{}/advance': () => ({ path: `/api/operator/runs/${id('stepwiseRun')}/advance`, body: {} }),
  'POST /api/operator/runs/{}/pause': () => ({ path: `/api/operator/runs/${id('pauseRun')}/pause`, body: {} }),
  'POST /api/operator/runs/{}/resume': () => ({ path: `/api/operator/runs/${id('pauseRun')}/resume`, body: {} }),
  'POST /api/operator/runs/{}/retry-step': () => ({
    path: `/api/operator/runs/${id('failedRun')}/retry-step`,
    body: { step_id: Number(id('failedStep')) },
  }),
  'POST /api/operator/runs/{}/skip-step': () => ({
    path: `/api/operator/runs/${id('waitingRun')}/skip-step`,
    body: { step_id: Number(id('gateStep')), reason: 'wire test' },
  }),
  'GET /api/operator/workflows': () => ({ path: '/api/operator/workflows' }),
  'GET /api/operator/workflows/{}/history': () => ({ path: `/api/operator/workflows/${id('workflow')}/history` }),
  'GET /api/integrations/mcp/capabilities': () => ({ path: `${API}/mcp/capabilities` }),
  'POST /api/integrations/mcp/call': () => ({ path: `${API}/mcp/call`, body: { tool: 'get_mission', args: { run_id: id('left') } } }),
};

/** The id of a still-undecided candidate pattern (each decision route takes the next one). */
async function candidate(i: number): Promise<number> {
  // Derivation is a background task: the read answers at once, so poll (with a deadline) until it is current.
  let c = await call('GET', `${API}/memory/patterns/candidates`);
  for (const deadline = Date.now() + 20000; !c.body.derived?.current && Date.now() < deadline;) {
    await new Promise((r) => setTimeout(r, 25));
    c = await call('GET', `${API}/memory/patterns/candidates`);
  }
  assert.ok(c.body.patterns?.length > i, `a candidate pattern to decide: ${JSON.stringify(c.body)}`);
  return c.body.patterns[i].id;
}

before(async () => {
  tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'agentora-wire-')));
  mkdirSync(path.join(tmp, 'src'));
  writeFileSync(path.join(tmp, 'src/a.txt'), 'a');
  s = await startServer({
    AGENTORA_MISSIONS_WATCHER_ENABLED: 'true',
    AGENTORA_MISSIONS_WATCHER_INTERVAL_SECONDS: '0.1',
    AGENTORA_MISSIONS_MCP_ENABLED: 'true',
    AGENTORA_ALLOWED_PATH_ROOTS: tmp,
  });
  // Seed through the API: two finished missions, memories with a context and a lineage, and actions to decide.
  const left = await call('POST', `${API}/runs/launch`, {
    persona_id: 'skeptic_reviewer',
    repo: 'acme/widgets',
    mission_title: 'Fix login',
    objective: 'Fix the login redirect',
  });
  const right = await call('POST', `${API}/runs/launch`, {
    persona_id: 'rapid_builder',
    repo: 'acme/widgets',
    mission_title: 'Fix login again',
    objective: 'Fix the login redirect differently',
  });
  assert.equal(left.status, 200, JSON.stringify(left.body));
  seed.left = left.body.id;
  seed.right = right.body.id;
  seed.jobId = left.body.agentception_job_id;
  // Launched but not watched: stays queued (nothing refreshes it), so watch / unwatch apply.
  seed.unwatched = (
    await call('POST', `${API}/runs/launch`, { repo: 'acme/widgets', mission_title: 'Queued', objective: 'Stay queued', watch: false })
  ).body.id;
  for (const k of ['left', 'right']) await until(`${k} terminal`, async () => (await call('GET', `${API}/runs/${id(k)}`)).body.terminal === true);
  // A prepared fork of `left`: launch-from-draft launches it, lineage / provenance read it.
  seed.draft = (await call('POST', `${API}/runs/${id('left')}/fork`, { fork_reason: 'wire seed' })).body.id;
  const c = await call('POST', '/api/memory/capsules', { text: 'The deploy script lives in scripts/deploy.sh.' });
  seed.capsule = c.body.capsule.capsule_id;
  const c2 = await call('POST', '/api/memory/capsules', { text: 'Deploys run from the main branch only.' });
  seed.refineCapsule = c2.body.capsule.capsule_id;
  await call('POST', '/api/capsules/search', { query: 'deploy', run_id: 'wire-run' });
  const a1 = await call('POST', '/api/actions', {
    run_id: 'r',
    agent_id: 'a',
    tool_name: 'desktop_write_text',
    params: { path: path.join(tmp, 'src/b.txt'), content: 'b' },
  });
  const a2 = await call('POST', '/api/actions', {
    run_id: 'r',
    agent_id: 'a',
    tool_name: 'desktop_write_text',
    params: { path: path.join(tmp, 'src/c.txt'), content: 'c' },
  });
  assert.equal(a1.body.item?.status, 'pending', JSON.stringify(a1.body));
  seed.approveAction = a1.body.item.id;
  seed.denyAction = a2.body.item.id;
  const agent = await call('POST', '/api/agents', { name: 'Seed agent', role: 'researcher', system_prompt: 'Find things.' });
  seed.agent = agent.body.id;
  const team = await call('POST', '/api/teams/templates/research_summary', {});
  assert.equal(team.status, 200, JSON.stringify(team.body));
  seed.team = team.body.id;
  seed.teamYaml = (await call('POST', '/api/teams/export-yaml', { team_id: team.body.id })).body.yaml_text;
  seed.worker = (await call('POST', '/api/workers/register', { name: 'seed worker', capabilities: ['memory_maintenance'] })).body.worker.id;
  seed.workerJob = (await call('POST', '/api/workers/dispatch', { job_type: 'memory_maintenance', payload: { items: [] } })).body.job.id;
  const run = await call('POST', '/api/runs', { team_id: team.body.id, prompt: 'summarise the notes' });
  seed.run = run.body.run_id;
  await until('seed run finished', async () =>
    ['succeeded', 'completed', 'stopped', 'failed'].includes((await call('GET', `/api/runs/${id('run')}`)).body.run?.status),
  );
  // Workflows: a definition; a run waiting at its gate (read, skipped, replayed); one paused there (pause →
  // resume); a stepwise run (advance); a run whose action the policy denies (failed → retry-step).
  const wf = await call('POST', '/api/workflows', wireWorkflow('wire workflow'));
  assert.equal(wf.status, 200, JSON.stringify(wf.body));
  seed.workflow = wf.body.item.id;
  seed.wfStep = wf.body.steps[0].id;
  seed.gateStep = wf.body.steps[1].id;
  const waitingAt = async (k: string) => {
    seed[k] = (await call('POST', `/api/workflows/${id('workflow')}/run`, { inputs: { topic: k } })).body.item.id;
    await until(`${k} waiting`, async () => (await call('GET', `/api/operator/runs/${id(k)}`)).body.run.status === 'waiting_approval');
  };
  await waitingAt('waitingRun');
  await waitingAt('pauseRun');
  seed.stepwiseRun = (await call('POST', '/api/operator/runs', { workflow_id: Number(id('workflow')), mode: 'stepwise', inputs: {} })).body.item.id;
  const bad = await call('POST', '/api/workflows', {
    name: 'wire denied',
    steps: [{ step_type: 'action', tool_name: 'desktop_read_text', params: { path: '/etc/hostname' } }],
  });
  seed.failedStep = bad.body.steps[0].id;
  seed.failedRun = (await call('POST', `/api/workflows/${bad.body.item.id}/run`, { inputs: {} })).body.item.id;
  await until('failed run', async () => (await call('GET', `/api/operator/runs/${id('failedRun')}`)).body.run.status === 'failed');
});
after(async () => {
  await s?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('wire shapes (http-api.md routes we serve answer as wire-shapes.md says)', () => {
  test('the route list of http-api.md parses (methods, alternatives, sub-routes)', () => {
    const keys = new Set(httpApiRoutes().map((r) => `${r.verb} ${r.path}`));
    for (const k of [
      'GET /api/health',
      'POST /api/actions/{}/deny',
      'GET /api/memory/capsules/{}/neighbors',
      'POST /api/integrations/runs/{}/unwatch',
      'GET /api/integrations/runs/compare',
      'POST /api/integrations/mcp/call',
      'GET /api/agents',
      'POST /api/agents',
    ]) {
      assert.ok(keys.has(k), `${k} missing from the parsed route list`);
    }
  });

  test('every http-api.md route the server serves declares a wire shape, and answers in it', async () => {
    const problems: string[] = [];
    let checked = 0;
    for (const r of httpApiRoutes()) {
      if (!(await served(r))) continue;
      const key = `${r.verb} ${r.path}`;
      if (STREAMS.has(key)) {
        // Server-sent events: no JSON wire shape; the answer is an event stream that opens with a snapshot.
        const ac = new AbortController();
        const res = await s.fetch(RECIPES[key]!().path, { signal: ac.signal });
        const first = await (res.body as unknown as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]().next();
        ac.abort();
        const text = new TextDecoder().decode(first.value);
        if (res.status !== 200 || !/text\/event-stream/.test(res.headers.get('content-type') ?? '') || !/^event: /m.test(text))
          problems.push(`${r.raw}: not an event stream (${res.status} ${res.headers.get('content-type')}: ${text.slice(0, 100)})`);
        checked++;
        continue;
      }
      const d = declared.get(key);
      if (!d) {
        problems.push(`${r.raw}: served, but no protocol method declares it (so it has no wire shape)`);
        continue;
      }
      if (!d.route.wire) {
        problems.push(`${r.raw}: ${d.method} declares no rest.wire (wire-shapes.md)`);
        continue;
      }
      const recipe = RECIPES[key];
      if (!recipe) {
        problems.push(`${r.raw}: no call recipe in test/server/wire-shapes.test.ts`);
        continue;
      }
      const { path: p, body, send } = recipe();
      const res = send ? await send() : await call(r.verb, p, body);
      if (res.status < 200 || res.status > 299) {
        problems.push(`${r.raw}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
        continue;
      }
      const parsed = (d.route.wire.schema as z.ZodType).safeParse(res.body);
      if (!parsed.success)
        problems.push(
          `${r.raw}: answer does not match its wire shape: ${parsed.error.issues
            .slice(0, 5)
            .map((i) => `${i.path.join('.')}: ${i.message}`)
            .join('; ')}`,
        );
      checked++;
    }
    assert.deepEqual(problems, []);
    assert.ok(checked >= 50, `only ${checked} routes checked`);
  });

  test('every REST route on an http-api.md path is served by a method with a wire shape (no silent gaps)', () => {
    const doc = new Set(httpApiRoutes().map((r) => `${r.verb} ${r.path}`));
    const missing = [...declared.entries()].filter(([k, d]) => doc.has(k) && !d.route.wire).map(([k, d]) => `${k} (${d.method})`);
    assert.deepEqual(missing, []);
    assert.equal(normPath('/api/integrations/runs/:run_id/timeline'), '/api/integrations/runs/{}/timeline');
  });

  test('the history is a bare array with X-Total-Count; legacy status names filter it', async () => {
    const res = await call('GET', `${API}/runs?limit=1`);
    assert.ok(Array.isArray(res.body));
    assert.equal(res.body.length, 1);
    assert.ok(Number(res.headers.get('x-total-count')) >= 2);
    const done = await call('GET', `${API}/runs?status=completed`);
    assert.ok(done.body.length >= 2);
    assert.ok(done.body.every((m: any) => m.status === 'succeeded' && m.legacy_status === 'completed'));
  });

  test('errors carry `detail` as the earlier (FastAPI) product answered', async () => {
    const res = await call('GET', `${API}/runs/run_nope`);
    assert.equal(res.status, 404);
    assert.equal(res.body.ok, false);
    assert.match(res.body.detail, /not found/);
  });
});
