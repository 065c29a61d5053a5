// Mission alerts through the real server to a webhook sink fake: terminal and high-risk alerts fire once per
// transition (not on every refresh), bodies are HMAC-signed, failures (5xx, a redirect to another host) are
// retried with backoff and every attempt is recorded in GET alerts/events.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { startServer, type TestServer } from '../helpers/server';
import { startWebhookSink, type WebhookSink } from '../fakes/webhook';

const API = '/api/integrations';
const SECRET = 'sink-secret';

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 15000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const post = (s: TestServer, p: string, body: unknown = {}) => s.fetch(API + p, { method: 'POST', body: JSON.stringify(body) });
const json = async (r: Response | Promise<Response>) => (await r).json() as Promise<any>;

describe('mission alerts to a webhook', () => {
  let s: TestServer;
  let sink: WebhookSink;
  before(async () => {
    sink = await startWebhookSink();
    s = await startServer({
      AGENTORA_MISSIONS_WATCHER_ENABLED: 'true',
      AGENTORA_MISSIONS_WATCHER_INTERVAL_SECONDS: '0.1',
      AGENTORA_MISSIONS_ALERTS_ENABLED: 'true',
      AGENTORA_MISSIONS_ALERTS_WEBHOOK_URL: sink.url,
      AGENTORA_MISSIONS_ALERTS_WEBHOOK_SECRET: SECRET,
      // Every mission counts as high risk (0 flags needed), so the high-risk alert is raised at prepare.
      AGENTORA_MISSIONS_RISK_THRESHOLD_HIGH: '0',
      AGENTORA_INTEGRATIONS_RETRY_BASE_MS: '5',
    });
  });
  after(async () => {
    await s.stop();
    await sink.close();
  });

  test('terminal and high-risk alerts arrive once, signed, and never again across 10 refreshes', async () => {
    const prep = await json(
      post(s, '/runs/prepare', { persona_id: 'skeptic_reviewer', repo: 'acme/alerts', mission_title: 'Risky', objective: 'Touch everything' }),
    );
    assert.equal(prep.run.risk_level, 'high');
    await json(post(s, '/runs/launch', { run_id: prep.run_id, acceptance_criteria: ['works'] }));
    const of = (type: string) => sink.received.filter((r) => r.body?.run_id === prep.run_id && r.body?.type === type);
    await until('terminal alert', async () => of('terminal').length === 1);
    assert.equal(of('high_risk').length, 1);
    const t = of('terminal')[0]!;
    assert.equal(t.path, '/hooks/agentora');
    assert.equal(t.headers['x-agentora-signature'], `sha256=${createHmac('sha256', SECRET).update(t.raw).digest('hex')}`);
    assert.equal(t.body.mission.status, 'succeeded');
    assert.equal(t.body.detail.to_status, 'succeeded');
    assert.equal(of('high_risk')[0]!.body.heuristic, true);

    for (let i = 0; i < 10; i++) assert.equal((await post(s, `/runs/${prep.run_id}/refresh`)).status, 200);
    // Give the dispatcher time to deliver anything new (poll the record, not a sleep): it stays one each.
    await until('dispatcher idle', async () => {
      const ev = await json(s.fetch(`${API}/alerts/events?limit=100`));
      return ev.events.every((e: any) => e.status !== 'pending');
    });
    assert.equal(of('terminal').length, 1);
    assert.equal(of('high_risk').length, 1);
    const ev = await json(s.fetch(`${API}/alerts/events?limit=100`));
    const mine = ev.events.filter((e: any) => e.run_id === prep.run_id);
    assert.deepEqual(mine.map((e: any) => e.alert_type).sort(), ['high_risk', 'terminal']);
    assert.ok(mine.every((e: any) => e.status === 'delivered' && e.attempts === 1 && e.response_status === 204));
  });

  test('a failing receiver and a redirect to another host are retried with backoff and recorded', async () => {
    sink.failNext(2, 500);
    const l = await json(post(s, '/runs/launch', { repo: 'acme/flaky', mission_title: 'Flaky receiver', objective: 'alert me', dry_run: true }));
    // A dry run is not terminal, but it is high risk here: its alert meets the failing receiver.
    await until('delivered after retries', async () => {
      const ev = await json(s.fetch(`${API}/alerts/events?limit=100`));
      const a = ev.events.find((e: any) => e.run_id === l.run_id && e.alert_type === 'high_risk');
      return a?.status === 'delivered' && a;
    });
    const ev = await json(s.fetch(`${API}/alerts/events?limit=100`));
    const a = ev.events.find((e: any) => e.run_id === l.run_id);
    assert.equal(a.attempts, 3);
    assert.equal(sink.received.filter((r) => r.body?.run_id === l.run_id).length, 1);

    sink.failNext(1, 302);
    const l2 = await json(
      post(s, '/runs/launch', { repo: 'acme/redirect', mission_title: 'Redirecting receiver', objective: 'alert me', dry_run: true }),
    );
    const b = await until('delivered after a refused redirect', async () => {
      const e = (await json(s.fetch(`${API}/alerts/events?limit=100`))).events.find((x: any) => x.run_id === l2.run_id);
      return e?.status === 'delivered' && e;
    });
    assert.equal(b.attempts, 2);
    assert.ok(!sink.received.some((r) => r.path !== '/hooks/agentora'));
  });
});
