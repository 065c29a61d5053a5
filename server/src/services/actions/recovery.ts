// Start-up recovery: an action the previous server process left `executing` (it may have started its side
// effect) or `approved` (it had not started) becomes `interrupted`, with an execution row saying what is known
// — for a file write, whether the file now holds the proposed content. It is never re-run: the operator sees it
// in the history and proposes it again if it should run. Exception: an action running as a worker job keeps
// running across the restart (its worker reports later; see workers/actionJobs.ts resumeWorkerActions).
import { lstatSync, readFileSync } from 'node:fs';
import type { ServerContext } from '../../context';
import type { ActionItem } from '../../protocol/actions';
import { runsOnWorker } from '../workers/actionJobs';
import { emitChange } from './queue';
import { stateOf } from './state';

function entry(p: string | undefined): { exists: boolean; kind: string | null; bytes: number | null } {
  if (!p) return { exists: false, kind: null, bytes: null };
  try {
    const st = lstatSync(p);
    return {
      exists: true,
      kind: st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'directory' : st.isFile() ? 'file' : 'other',
      bytes: st.isFile() ? st.size : null,
    };
  } catch {
    return { exists: false, kind: null, bytes: null };
  }
}

/** What can be told now about an action that may have been cut off half-way. Only looks (lstat, no links followed). */
export function whatIsKnown(item: ActionItem, started: boolean): Record<string, unknown> {
  if (!started) return { started: false, note: 'the server stopped after the approval, before the action started: nothing was done' };
  const paths = item.scope_preview.paths;
  const base = { started: true };
  switch (item.tool_name) {
    case 'desktop_write_text': {
      const file = paths[0];
      const e = entry(file);
      const proposed = Buffer.from(String(item.params.content ?? ''), 'utf8');
      let holds: boolean | null = null;
      if (e.kind === 'file') holds = e.bytes === proposed.length && readFileSync(file!).equals(proposed);
      return {
        ...base,
        path: file,
        file_exists: e.exists,
        file_bytes: e.bytes,
        holds_proposed_content: holds,
        note: holds
          ? 'the file holds the proposed content: the write completed'
          : 'the file does not hold the proposed content: the write did not complete (or something else changed it)',
      };
    }
    case 'desktop_copy':
    case 'desktop_move':
    case 'desktop_rename': {
      const [src, dst] = item.tool_name === 'desktop_rename' ? [paths[0], paths[1]] : [item.scope_preview.paths[0], item.scope_preview.paths[1]];
      return {
        ...base,
        src,
        dst,
        src_exists: entry(src).exists,
        dst_exists: entry(dst).exists,
        note: 'check the destination: the operation may be complete, partial or not done',
      };
    }
    case 'browser_download': {
      const e = entry(paths[0]);
      return { ...base, path: paths[0], file_exists: e.exists, file_bytes: e.bytes, note: 'the download may be incomplete' };
    }
    case 'desktop_shell':
    case 'desktop_run_app':
      return {
        ...base,
        argv: item.scope_preview.argv,
        cwd: item.scope_preview.cwd,
        note: 'the command may have run in part or in whole; its exit status is unknown',
      };
    case 'desktop_read_text':
    case 'desktop_list_dir':
    case 'browser_open_url':
    case 'browser_navigate':
    case 'browser_extract_text':
    case 'browser_page_summary':
    case 'browser_search':
      return { ...base, note: 'a read-only action: nothing was changed; its result is lost' };
    default:
      return { ...base, note: 'the action may have been done in part or in whole' };
  }
}

/** Mark every unfinished action interrupted. Returns how many. Runs once, before the server answers requests. */
export function recoverInterrupted(ctx: ServerContext): number {
  const st = stateOf(ctx);
  let n = 0;
  for (const item of st.store.unfinished()) {
    const started = item.status === 'executing';
    // An action running as a worker job outlives the restart: the workers area records its real outcome when the
    // worker reports it (resumeWorkerActions), so it is not marked interrupted here.
    if (started && item.requested_worker && item.requested_worker !== 'local' && runsOnWorker(ctx, item.id)) continue;
    let known: Record<string, unknown>;
    try {
      known = whatIsKnown(item, started);
    } catch (err) {
      known = { started, note: `could not inspect: ${(err as Error).message}` };
    }
    const error = started
      ? 'Interrupted: the server stopped while this action was executing; it is not re-run'
      : 'Interrupted: the server stopped before this approved action started; it is not re-run';
    if (st.store.interrupt(item.id, item.started_at, known, error)) {
      st.store.audit({
        action_id: item.id,
        event: 'interrupted',
        actor: 'server',
        transport: 'startup',
        reason: `${error}. ${String(known.note ?? '')}`,
        rule: null,
      });
      n++;
      emitChange(ctx, 'action', st.store.get(item.id));
    }
  }
  if (n) ctx.log.warn(`actions: ${n} action(s) interrupted by the previous server stop are marked interrupted (never re-run)`);
  return n;
}
