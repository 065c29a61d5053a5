import { didFinishDoctor, doctor, type DoctorItem, type DoctorResult } from '../../protocol/system';
import type { ServerContext } from '../../context';
import { implement } from '../registry';
import { checkApiKeyOrigins, withheldOf } from '../credentials/apiKeys';
import { checkDatabase, checkDataDir, checkIntegrations, checkNodeRuntime, checkOllama, checkPort, checkSqliteNative, checkWorkers } from './checks';

/** `refresh`: re-run the heavy checks (the database integrity check) now instead of showing the cached result. */
export async function runDoctor(ctx: ServerContext, refresh = true): Promise<DoctorResult> {
  // The slow checks run concurrently, none on the event loop: network checks have short timeouts, the
  // integrity check runs in a worker thread.
  const [database, ollama, integrations, workers] = await Promise.all([
    checkDatabase(ctx, refresh),
    checkOllama(ctx),
    checkIntegrations(ctx),
    checkWorkers(ctx),
  ]);
  const items: DoctorItem[] = [
    checkNodeRuntime(),
    checkSqliteNative(ctx),
    checkDataDir(ctx),
    database,
    ollama,
    ...integrations,
    workers,
    checkPort(ctx),
  ];
  // A key withheld from a moved integration URL (services/credentials/apiKeys.ts) is worth a line of its own.
  if (withheldOf(ctx).length) items.push(checkApiKeyOrigins(ctx));
  const status = items.some((i) => i.severity === 'error') ? 'error' : items.some((i) => i.severity === 'warn') ? 'warn' : 'ok';
  const next_steps = items.filter((i) => (i.severity === 'error' || i.severity === 'warn') && i.fix_hint).map((i) => `${i.title}: ${i.fix_hint}`);
  if (!next_steps.length) next_steps.push('All set. Open the Agentora sidebar to start.');
  const result: DoctorResult = { ok: status !== 'error', status, items, next_steps, checked_at: new Date().toISOString() };
  ctx.events.emit(didFinishDoctor, result);
  return result;
}

export const doctorService = implement(doctor, (p, ctx) => runDoctor(ctx, p.refresh));
