// Alert delivery. Triggers put alerts in mission_alert_events (see migration 36: once per transition is enforced
// by a UNIQUE key there); this dispatcher posts the due ones to the webhook through the same guarded HTTP client
// as the bridges (scheme check, connect / read timeouts, size cap, redirects never followed), signs the body when
// a secret is set, retries failures with exponential backoff and records every attempt on the row.
// Alerts raised while alerts are off (or their type is off, or no URL is set) are marked `skipped` with the
// reason, so turning alerts on later never floods the receiver with stale ones.
import { createHmac } from 'node:crypto';
import type { ServerContext } from '../../../context';
import { Upstream, backoff } from '../../../bridges/missions/upstream';
import { UpstreamError } from '../../../bridges/missions/types';
import { didAlert } from '../../../protocol/missionsObservability';

const MAX_ATTEMPTS = 5;
const BATCH = 200;
const TICK_MS = 250;

interface AlertRow {
  id: number;
  created_at: string;
  mission_id: string;
  alert_type: 'terminal' | 'writeback_failed' | 'high_risk';
  alert_key: string;
  status: 'pending' | 'delivered' | 'failed' | 'skipped';
  attempts: number;
  payload_json: string;
}

function statements(ctx: ServerContext) {
  const db = ctx.db;
  return {
    due: db.prepare("SELECT * FROM mission_alert_events WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?"),
    mission: db.prepare('SELECT id, mission_title, repo, status, pr_url, mission_score, risk_level, confidence_level FROM missions WHERE id = ?'),
    skip: db.prepare("UPDATE mission_alert_events SET status = 'skipped', last_error = ? WHERE id = ?"),
    delivered: db.prepare(
      "UPDATE mission_alert_events SET status = 'delivered', attempts = attempts + 1, delivered_at = ?, response_status = ?, last_error = NULL WHERE id = ?",
    ),
    retry: db.prepare(
      'UPDATE mission_alert_events SET attempts = attempts + 1, next_attempt_at = ?, response_status = ?, last_error = ? WHERE id = ?',
    ),
    failed: db.prepare(
      "UPDATE mission_alert_events SET status = 'failed', attempts = attempts + 1, response_status = ?, last_error = ? WHERE id = ?",
    ),
    list: db.prepare('SELECT * FROM mission_alert_events ORDER BY id DESC LIMIT ?'),
  };
}
const cache = new WeakMap<ServerContext['db'], ReturnType<typeof statements>>();
function stmts(ctx: ServerContext) {
  let s = cache.get(ctx.db);
  if (!s) cache.set(ctx.db, (s = statements(ctx)));
  return s;
}

const TYPE_SETTING = {
  terminal: 'missions.alertsOnTerminal',
  writeback_failed: 'missions.alertsOnWritebackFailure',
  high_risk: 'missions.alertsOnHighRisk',
} as const;

function skipReason(ctx: ServerContext, type: AlertRow['alert_type']): string | null {
  if (!ctx.config['missions.alertsEnabled']) return 'alerts are off (AGENTORA_MISSIONS_ALERTS_ENABLED)';
  if (!ctx.config['missions.alertsWebhookUrl']) return 'no webhook URL (AGENTORA_MISSIONS_ALERTS_WEBHOOK_URL)';
  if (!ctx.config[TYPE_SETTING[type]]) return `${type} alerts are off`;
  return null;
}

export function alertEvents(ctx: ServerContext, limit: number) {
  return (
    stmts(ctx).list.all(limit) as (AlertRow & {
      next_attempt_at: string;
      delivered_at: string | null;
      response_status: number | null;
      last_error: string | null;
    })[]
  ).map((r) => ({
    id: r.id,
    created_at: r.created_at,
    run_id: r.mission_id,
    alert_type: r.alert_type,
    status: r.status,
    attempts: r.attempts,
    next_attempt_at: r.next_attempt_at,
    delivered_at: r.delivered_at,
    response_status: r.response_status,
    last_error: r.last_error,
    payload: JSON.parse(r.payload_json) as Record<string, unknown>,
  }));
}

/** One pass over the due alerts (exported for tests). Returns how many rows it handled. */
export async function dispatchAlerts(ctx: ServerContext, client: () => Upstream | null): Promise<number> {
  const s = stmts(ctx);
  const now = new Date().toISOString();
  const due = s.due.all(now, BATCH) as AlertRow[];
  // Skips are decided first, in one transaction (a backlog raised while alerts were off clears in few writes).
  const send = ctx.db.transaction(() =>
    due.filter((a) => {
      const reason = skipReason(ctx, a.alert_type);
      if (reason) s.skip.run(reason, a.id);
      return reason === null;
    }),
  )();
  for (const a of send) {
    const m = s.mission.get(a.mission_id) as Record<string, unknown> | undefined;
    const body = JSON.stringify({
      alert_id: a.id,
      type: a.alert_type,
      run_id: a.mission_id,
      raised_at: a.created_at,
      mission: m ?? null,
      detail: JSON.parse(a.payload_json),
      heuristic: a.alert_type === 'high_risk',
    });
    if (a.alert_type === 'high_risk' && a.attempts === 0 && m) {
      ctx.events.emit(didAlert, {
        alert_id: a.id,
        alert_type: a.alert_type,
        run_id: a.mission_id,
        mission_title: String(m.mission_title),
        repo: String(m.repo),
        message: `High risk (heuristic): ${String(m.mission_title)} on ${String(m.repo)}`,
      });
    }
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-agentora-alert-id': String(a.id),
      'x-agentora-alert-type': a.alert_type,
    };
    const secret = ctx.config['missions.alertsWebhookSecret'];
    if (secret) headers['x-agentora-signature'] = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
    let status: number | null = null;
    let error: string | null = null;
    try {
      const up = client();
      if (!up) throw new Error('webhook URL is not a valid http(s) URL');
      const u = new URL(ctx.config['missions.alertsWebhookUrl']);
      const r = await up.send('POST', u.pathname.replace(/^\/+/, '') + u.search, { body: JSON.parse(body), headers });
      status = r.status;
      if (r.status < 200 || r.status >= 300)
        error = `webhook answered HTTP ${r.status}${r.status >= 300 && r.status < 400 ? ' (redirects are not followed)' : ''}`;
    } catch (err) {
      error = err instanceof UpstreamError || err instanceof Error ? err.message : String(err);
    }
    if (!error) s.delivered.run(new Date().toISOString(), status, a.id);
    else if (a.attempts + 1 >= MAX_ATTEMPTS) s.failed.run(status, error, a.id);
    else s.retry.run(new Date(Date.now() + backoff(ctx.config['integrations.retryBaseMs'] * 4, a.attempts + 1)).toISOString(), status, error, a.id);
  }
  return due.length;
}

/** Starts the dispatcher; returns its stop function. */
export function startAlertDispatcher(ctx: ServerContext): () => Promise<void> {
  let stopped = false;
  let upstream: { url: string; client: Upstream | null } | null = null;
  const client = () => {
    const url = ctx.config['missions.alertsWebhookUrl'];
    if (upstream?.url !== url) {
      upstream?.client?.close();
      let c: Upstream | null = null;
      try {
        c = new Upstream({
          system: 'webhook',
          baseUrl: new URL(url).origin,
          connectTimeoutMs: 5000,
          readTimeoutMs: 10000,
          retries: 0,
          retryBaseMs: ctx.config['integrations.retryBaseMs'],
          maxBytes: 64 * 1024,
          refusedHint: 'Check AGENTORA_MISSIONS_ALERTS_WEBHOOK_URL: the webhook receiver is not reachable.',
          unauthorizedHint: 'The webhook refused the alert: check what credentials the receiver expects.',
        });
      } catch {
        c = null;
      }
      upstream = { url, client: c };
    }
    return upstream.client;
  };
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    if (stopped) return;
    running = (async () => {
      try {
        // Drain a backlog in batches, yielding between them; then wait for the next tick.
        while (!stopped && (await dispatchAlerts(ctx, client)) === BATCH) await new Promise((r) => setImmediate(r));
      } catch (err) {
        ctx.log.error('mission alert dispatch failed', err);
      }
      if (!stopped) timer = setTimeout(tick, TICK_MS);
    })();
  };
  let timer: NodeJS.Timeout | undefined = setTimeout(tick, TICK_MS);
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
    upstream?.client?.close();
  };
}
