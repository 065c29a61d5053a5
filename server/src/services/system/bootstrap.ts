// First-run setup that fixes what it can, and says exactly what it did.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bootstrap, type BootstrapResult } from '../../protocol/system';
import { renderDefaultConfigEnv } from '../../config';
import type { ServerContext } from '../../context';
import { migrate } from '../../store/db';
import { migrations } from '../../store/migrations';
import { implement } from '../registry';
import { runDoctor } from './doctor';

type Step = BootstrapResult['report']['steps'][number];

function attempt(step: string, fn: () => string | null): Step {
  try {
    const detail = fn();
    return detail === null ? { step, status: 'skipped', detail: 'already in place' } : { step, status: 'done', detail };
  } catch (err) {
    return { step, status: 'failed', detail: (err as Error).message };
  }
}

export async function runBootstrap(ctx: ServerContext, autoFix: boolean): Promise<BootstrapResult> {
  const dir = ctx.config.dataDir;
  const configFile = path.join(dir, 'config.env');
  const steps: Step[] = [];
  if (autoFix) {
    steps.push(attempt('create_data_dir', () => (existsSync(dir) ? null : (mkdirSync(dir, { recursive: true, mode: 0o700 }), `created ${dir}`))));
    steps.push(attempt('run_migrations', () => {
      const { applied } = migrate(ctx.db, migrations);
      return applied.length ? `applied migration(s) ${applied.join(', ')}` : null;
    }));
    steps.push(attempt('write_default_config', () => (existsSync(configFile) ? null : (writeFileSync(configFile, renderDefaultConfigEnv(), { mode: 0o600 }), `wrote ${configFile}`))));
  } else {
    steps.push({ step: 'auto_fix', status: 'skipped', detail: 'auto_fix=false: only checked' });
  }
  const report = await runDoctor(ctx);
  const failed = steps.some((s) => s.status === 'failed');
  const status = failed ? 'error' : report.status;
  const id = Number(
    ctx.db
      .prepare('INSERT INTO bootstrap_runs (created_at, auto_fix, status, steps_json) VALUES (?, ?, ?, ?)')
      .run(new Date().toISOString(), autoFix ? 1 : 0, status, JSON.stringify(steps)).lastInsertRowid,
  );
  ctx.log.info(`bootstrap #${id}: ${steps.map((s) => `${s.step}=${s.status}`).join(', ')}; doctor ${report.status}`);
  return { ok: status !== 'error', status, report: { steps, doctor: report }, bootstrap_state_id: id, auto_fix_applied: autoFix && steps.some((s) => s.status === 'done') };
}

export const bootstrapService = implement(bootstrap, (p, ctx) => runBootstrap(ctx, p.auto_fix));
