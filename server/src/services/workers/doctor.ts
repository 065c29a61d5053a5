// The doctor's view of the registered workers: each one's state (from heartbeats), version, capabilities and
// clock skew. Workers pull jobs from this server (they are never called), so "reachable" means "heard from".
import type { ServerContext } from '../../context';
import type { DoctorItem } from '../../protocol/system';
import { timing } from './scheduler';
import { workerStore } from './store';
import { isLoopback } from './tls';

const SKEW_WARN_MS = 5000;
const SETUP_HINT =
  'On the other machine: create a token here (`agentora worker-token create --name <machine>`, or the Workers panel) and run `AGENTORA_WORKER_TOKEN=<token> agentora worker --server <this server URL>` (docs/two-pc-setup.md).';

export function workersDoctorItem(ctx: ServerContext): DoctorItem {
  const item = (severity: DoctorItem['severity'], detail: string, fix_hint = ''): DoctorItem => ({
    key: 'workers',
    title: 'Workers',
    ok: severity === 'ok' || severity === 'info',
    severity,
    detail,
    fix_hint,
  });
  // A network bind without TLS: tokens and job payloads cross the network in clear text.
  if (!isLoopback(ctx.config['server.host']) && ctx.config['workers.allowInsecureHttp'])
    return item(
      'warn',
      `plain HTTP on ${ctx.config['server.host']} (AGENTORA_ALLOW_INSECURE_HTTP=true): worker tokens and job payloads cross the network unencrypted`,
      'Unset AGENTORA_ALLOW_INSECURE_HTTP: the server then serves HTTPS with a self-signed certificate that workers pin (`agentora worker-token create` prints its fingerprint).',
    );
  // Workers that stopped on purpose or were revoked are history, not a problem.
  const workers = workerStore(ctx.db)
    .list(timing(ctx))
    .filter((w) => !w.offline_reason);
  if (!workers.length) return item('info', 'no workers registered: every job runs on this machine', SETUP_HINT);
  const problems: string[] = [];
  const ago = (iso: string) => `${Math.round((Date.now() - Date.parse(iso)) / 1000)} s ago`;
  for (const w of workers) {
    if (w.state !== 'live') problems.push(`'${w.name}' is ${w.state} (last heartbeat ${ago(w.last_heartbeat_at)})`);
    if (w.version && w.version !== ctx.version) problems.push(`'${w.name}' runs Agentora ${w.version}, this server ${ctx.version}`);
    if (w.clock_skew_ms !== null && Math.abs(w.clock_skew_ms) > SKEW_WARN_MS)
      problems.push(`'${w.name}' clock is ${Math.round(w.clock_skew_ms / 1000)} s off`);
  }
  const live = workers.filter((w) => w.state === 'live');
  const summary = live.map((w) => `${w.name} (${w.capabilities.join(', ')}; load ${w.load}/${w.concurrency})`).join('; ');
  if (problems.length)
    return item(
      'warn',
      `${live.length} of ${workers.length} worker(s) live${summary ? `: ${summary}` : ''}. ${problems.join('; ')}`,
      'Start `agentora worker` again on that machine (it reconnects by itself after network drops), install the same Agentora version on both, and sync the clocks (NTP). Jobs run here meanwhile.',
    );
  return item('ok', `${live.length} worker(s) live: ${summary}`);
}
