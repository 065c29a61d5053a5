// Issue 9 item 6: a kill -9 during a real-mode launch must not lose the AgentCeption run. The real server
// launches missions against the AgentCeption fake, made slow so the kill lands mid-call — sometimes before the
// fake has created the run (`slow`: the request is handled only after the delay), sometimes after it created it
// but before the answer came back (`slow-reply`) — in issue and in label mode. After each kill the server is
// restarted on the same data and must, on its own: attach every run AgentCeption created to its mission, or mark
// the mission `launch_unknown` with a fix; never dispatch anything while reconciling; keep the database sound.
// Launching a launch_unknown mission again attaches the run if it exists, so no mission ever gets two runs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../server/src/store/db';
import { startFakeAgentception, type FakeAgentception, type FakeRun } from '../fakes/agentception';
import { startServer, type TestServer } from '../helpers/server';
import { acEnv, json, post, until, API } from './missions-real-helpers';

const ROUNDS = 6;
const PER_ROUND = 3;

/** A mission as the REST answer carries it (wrapped in `run` today; flat in the earlier product's shape). */
const missionOf = async (s: TestServer, id: string) => {
  const b = await json(s.fetch(`${API}/runs/${id}`));
  return b.run ?? b;
};
const dispatches = (ac: FakeAgentception) => ac.count((h) => h.method === 'POST' && h.path.startsWith('/api/dispatch/'));
/** The fake's runs started for a mission: the brief (issue_body) names it; label runs are matched by repo. */
const runsFor = (ac: FakeAgentception, m: { run_id: string; repo: string }, labelMode: boolean): FakeRun[] =>
  [...ac.runs.values()].filter((r) =>
    labelMode ? r.mode === 'label' && r.gh_repo === m.repo && r.label === `lbl-${m.repo.split('/')[1]}` : r.task_description.includes(m.run_id),
  );

async function kill9(s: TestServer): Promise<void> {
  if (s.proc.exitCode !== null) return;
  const exited = new Promise((r) => s.proc.once('exit', r));
  s.proc.kill('SIGKILL');
  await exited;
}

describe('kill -9 during real-mode launches', () => {
  let ac: FakeAgentception;
  let dir: string;
  let s: TestServer | undefined;
  before(async () => {
    ac = await startFakeAgentception();
    dir = mkdtempSync(path.join(os.tmpdir(), 'agentora-crash-launch-'));
  });
  after(async () => {
    if (s) await kill9(s);
    await ac?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test(`${ROUNDS} kills at random moments: every mission attached or launch_unknown with a fix, no duplicate run`, async () => {
    const outcomes = { attached: 0, launch_unknown: 0, never_sent: 0 };
    let repoSeq = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const labelMode = round % 3 === 2;
      const env = acEnv(ac, {
        AGENTORA_PHIOS_ENABLED: 'false',
        AGENTORA_AGENTCEPTION_TIMEOUT_SECONDS: '30',
        AGENTORA_AGENTCEPTION_LAUNCH_MODE: labelMode ? 'label' : 'issue',
        AGENTORA_AGENTCEPTION_LABEL: `crash-${round}`,
      });
      s = await startServer(env, 15000, { dataDir: dir });
      const missions: { run_id: string; repo: string }[] = [];
      for (let i = 0; i < PER_ROUND; i++) {
        // One repo per mission: label runs are told apart by repo (a label run's context has no brief).
        const repo = `acme/crash-${++repoSeq}`;
        const p = await json(
          post(s, '/runs/prepare', { repo, mission_title: `Crash round ${round} mission ${i}`, objective: 'Fix the flaky checkout test' }),
        );
        missions.push({ run_id: p.run_id ?? p.run?.run_id, repo });
      }
      const slowMs = 400 + Math.floor(Math.random() * 800);
      await ac.setMode(round % 2 === 0 ? 'slow-reply' : 'slow', { slowMs });
      const sentBefore = ac.count((h) => h.path.startsWith('/api/dispatch/'));
      // Label mode: one label per mission (a label run's context names no mission; label + repo tell them apart).
      const launchBody = (m: { run_id: string; repo: string }) => ({
        run_id: m.run_id,
        ...(labelMode ? { label: `lbl-${m.repo.split('/')[1]}` } : {}),
      });
      const launches = missions.map((m) => post(s!, '/runs/launch', { ...launchBody(m), watch: true }).catch(() => null));
      await until('a dispatch to reach AgentCeption', async () => ac.count((h) => h.path.startsWith('/api/dispatch/')) > sentBefore);
      // The random moment: anywhere from "just sent" to "answer nearly back" (and for `slow`, the run may not exist yet).
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * slowMs)));
      await kill9(s);
      await Promise.allSettled(launches);
      await ac.setMode('normal');

      const sentAtRestart = dispatches(ac);
      s = await startServer(env, 15000, { dataDir: dir });
      const rows = await until('interrupted launches reconciled', async () => {
        const all = await Promise.all(missions.map((m) => missionOf(s!, m.run_id)));
        return all.every((m) => m.launch_intent === null || m.launch_intent === undefined) ? all : null;
      });
      assert.equal(dispatches(ac), sentAtRestart, 'reconciling must never dispatch');

      for (const [i, m] of rows.entries()) {
        const upstream = runsFor(ac, missions[i]!, labelMode);
        if (m.job_id) {
          assert.ok(ac.runs.has(m.job_id), `${m.run_id}: attached to ${m.job_id}, which AgentCeption knows`);
          assert.deepEqual(
            upstream.map((r) => r.run_id),
            [m.job_id],
            `${m.run_id}: exactly its own run`,
          );
          assert.ok(['queued', 'running'].includes(m.status), `${m.run_id}: ${m.status}`);
          outcomes.attached++;
        } else if (m.status === 'launch_unknown') {
          assert.ok(m.fix_hint && m.fix_hint.length > 20, `${m.run_id}: launch_unknown needs a fix hint`);
          assert.ok(m.last_error, `${m.run_id}: launch_unknown says what happened`);
          assert.equal(upstream.length, 0, `${m.run_id}: launch_unknown only when AgentCeption has no run for it: ${upstream.map((r) => r.run_id)}`);
          outcomes.launch_unknown++;
        } else {
          // Killed before the launch recorded its intent: it never reached AgentCeption.
          assert.equal(m.status, 'prepared', `${m.run_id}: ${m.status} / ${m.last_error}`);
          assert.equal(upstream.length, 0, `${m.run_id}: prepared, so nothing upstream`);
          outcomes.never_sent++;
        }
      }

      // Launching again never makes a second run: launch_unknown missions dispatch once; attached ones refuse.
      for (const m of rows) {
        const r = await post(s, '/runs/launch', launchBody(m));
        if (m.job_id) assert.equal(r.status, 409);
        else assert.equal(r.status < 300, true, `${m.run_id}: relaunch ${r.status} ${await r.text()}`);
      }
      for (const [i, m] of missions.entries()) {
        const now = await missionOf(s, m.run_id);
        assert.equal(runsFor(ac, m, labelMode).length, 1, `${m.run_id}: one upstream run after relaunch`);
        assert.ok(now.job_id, `${m.run_id} (${i}): attached after relaunch (${now.status} ${now.last_error})`);
      }

      await s.stop();
      s = undefined;
      const db = openDatabase(path.join(dir, 'agentora.db'));
      try {
        assert.deepEqual(db.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
        assert.equal((db.prepare('SELECT COUNT(*) AS n FROM missions WHERE launch_intent IS NOT NULL').get() as { n: number }).n, 0);
      } finally {
        db.close();
      }
    }
    // The kills must have landed mid-call at least once (not all before or all after).
    assert.ok(outcomes.attached + outcomes.launch_unknown > 0, JSON.stringify(outcomes));
    console.log(`crash-launch outcomes over ${ROUNDS} kills: ${JSON.stringify(outcomes)}`);
  });
});
