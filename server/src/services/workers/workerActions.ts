// Action jobs, worker side: this machine's own policy decides before anything runs. First its allow-list
// (`--allow-actions` / AGENTORA_WORKER_ALLOW_ACTIONS: tool names, risk classes, desktop / browser), then the same
// guards the server uses, over this machine's settings (AGENTORA_ALLOWED_PATH_ROOTS, AGENTORA_ALLOWED_APPS,
// AGENTORA_ALLOWED_DOMAINS, …): a path outside its roots or a program it does not allow is refused here even though
// the server approved the action. Approval itself happened on the server (the queue); this is the second lock.
import { loadConfig, type Config } from '../../config';
import { ToolName } from '../../protocol/actions';
import { ActionPayload } from '../../protocol/workers';
import { toolAllowedBy } from '../../protocol/workersActions';
import { execute, ExecutionFailed } from '../actions/executors';
import { realRoot } from '../actions/paths';
import { evaluate, parseToolParams, type PolicyEnv } from '../actions/policy';
import { urlRefusal } from '../actions/domains';

export class LocalRefusal extends Error {}

function envOf(config: Config): PolicyEnv {
  const roots = config['actions.allowedPathRoots'].length ? config['actions.allowedPathRoots'] : [process.cwd()];
  return {
    roots: roots.map(realRoot),
    blockedRoots: [...config['actions.blockedPathRoots'], config.dataDir].map(realRoot),
    allowedDomains: config['actions.allowedDomains'],
    blockedDomains: config['actions.blockedDomains'],
    allowedApps: config['actions.allowedApps'],
    defaultMode: 'always_ask', // approved on the server: only a deny (a guard, this machine's limits) matters here
    toolDefaults: {},
    rules: [],
    findGrant: () => null,
    browser: { available: false, executable: null, reason: 'browser tools are not run on workers by this version' },
    searchPath: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
  };
}

/** Refuse (LocalRefusal, with the reason) or run the action here. The outcome `{ok, result?, error?}` is the job's result. */
export async function runActionHere(
  payload: unknown,
  allow: readonly string[],
  /** Tell the server the side effect starts now (throws when the lease is gone: then nothing runs). */
  start: () => Promise<void>,
): Promise<{ ok: boolean; result?: unknown; error?: string }> {
  const p = ActionPayload.parse(payload);
  const tool = ToolName.safeParse(p.tool_name);
  if (!tool.success) throw new LocalRefusal(`unknown tool '${p.tool_name}'`);
  if (!toolAllowedBy(tool.data, allow))
    throw new LocalRefusal(
      `action '${tool.data}' refused by this worker's own policy (--allow-actions ${allow.length ? allow.join(',') : 'is empty'})`,
    );
  if (tool.data.startsWith('browser_')) throw new LocalRefusal(`action '${tool.data}': browser tools are not run on workers by this version`);
  const config = loadConfig();
  const env = envOf(config);
  let ev;
  try {
    ev = evaluate(tool.data, parseToolParams(tool.data, p.params), env);
  } catch (e) {
    throw new LocalRefusal(`action '${tool.data}' refused by this worker: ${(e as Error).message}`);
  }
  if (ev.decision === 'deny') throw new LocalRefusal(`action '${tool.data}' refused by this worker's own policy: ${ev.reason}`);
  await start();
  try {
    const result = await execute(ev, {
      guard: { roots: env.roots, blockedRoots: env.blockedRoots },
      timeoutMs: config['actions.commandTimeoutSeconds'] * 1000,
      outputCap: config['actions.outputCapBytes'],
      browserExecutable: null,
      checkUrl: (u) => urlRefusal(u, env),
    });
    return { ok: true, result };
  } catch (e) {
    return { ok: false, error: (e as Error)?.message ?? String(e), result: e instanceof ExecutionFailed ? e.result : null };
  }
}
