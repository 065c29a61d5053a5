// "Agentora: Run Memory Maintenance": start the job, follow its didProgress notifications in a progress
// notification, and end with what it changed (and a way to the report, where each change can be undone).
import * as vscode from 'vscode';
import type { z } from 'zod';
import { M, type ServerController } from '../client';
import { didProgress, type Job as JobSchema } from '../../../server/src/protocol/memory';

type Job = z.infer<typeof JobSchema>;
type Progress = z.infer<typeof didProgress.payload>;

const POLL_MS = 1000;

export async function runMaintenance(server: ServerController): Promise<void> {
  const job = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Agentora: memory maintenance' },
    (progress) =>
      new Promise<Job>((resolve, reject) => {
        let id: number | null = null;
        let reported = 0;
        let finished = false;
        const advance = (fraction: number, message: string) => {
          const pct = Math.round(fraction * 100);
          if (pct > reported) progress.report({ increment: pct - reported, message });
          else progress.report({ message });
          reported = Math.max(reported, pct);
        };
        const finish = async () => {
          if (finished || id === null) return;
          finished = true;
          sub.dispose();
          clearInterval(timer);
          try {
            resolve((await server.call(M.memory.job, { job_id: id, limit: 1 })).job);
          } catch (err) {
            reject(err);
          }
        };
        const sub = server.onServerNotification((name, payload) => {
          if (name !== didProgress.name) return;
          const p = payload as Progress;
          if (p.job_id !== id) return;
          advance(p.progress, `${p.phase}: ${p.message}`);
          if (p.status === 'done' || p.status === 'failed') void finish();
        });
        // Notifications are the signal; a slow poll only guards against one lost while the job started.
        const timer = setInterval(async () => {
          if (id === null) return;
          const j = (await server.call(M.memory.job, { job_id: id, limit: 1 }).catch(() => null))?.job;
          if (j && (j.status === 'done' || j.status === 'failed')) void finish();
        }, POLL_MS);
        server
          .call(M.memory.runMaintenance, {})
          .then((r) => {
            id = r.job.job_id;
            advance(r.job.progress, 'started');
            if (r.job.status === 'done' || r.job.status === 'failed') void finish();
          })
          .catch((err) => {
            sub.dispose();
            clearInterval(timer);
            reject(err);
          });
      }),
  );
  if (job.status === 'failed') {
    void vscode.window.showErrorMessage(`Agentora memory maintenance failed: ${job.error ?? 'unknown error'}`);
    return;
  }
  const s = job.summary;
  const pick = await vscode.window.showInformationMessage(
    `Agentora memory maintenance: ${job.change_count} change(s) — ${s.decayed ?? 0} decayed, ${s.archived ?? 0} archived, ${s.duplicate_proposals ?? 0} duplicate and ${s.conflict_proposals ?? 0} conflict proposal(s) to review.`,
    'Show Report',
  );
  if (pick) await vscode.commands.executeCommand('agentora.memory.focus');
}
