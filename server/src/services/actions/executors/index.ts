// One entry point: run an evaluated action with the executor of its tool.
import type { Evaluation } from '../policy';
import { runBrowserTool, type BrowserOptions } from './browser';
import { runCommand } from './command';
import { runFileTool } from './files';

export { ExecutionFailed } from './types';

export function execute(ev: Evaluation, opts: BrowserOptions): Promise<unknown> {
  if (ev.tool === 'workflow_gate') return Promise.resolve({ gate: 'passed' }); // no side effect: the workflow engine continues the run
  if (ev.tool === 'desktop_shell' || ev.tool === 'desktop_run_app') return runCommand(ev, opts, opts.guard);
  if (ev.tool.startsWith('browser_')) return runBrowserTool(ev, opts);
  return runFileTool(ev, opts.guard);
}
