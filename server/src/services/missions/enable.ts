// POST /api/integrations/enable: switch PhiOS or AgentCeption on or off and set how to reach it, as outside tools
// of the earlier product did. The change is written to `<dataDir>/config.env` (so it survives a restart) and
// applied at once; higher layers still win (environment, VS Code settings), and the answer names each one that does.
import type { z } from 'zod';
import { allSettings, writeConfigEnv } from '../../config';
import type { SettingSpec } from '../../config/define';
import type { ServerContext } from '../../context';
import { AppError } from '../../protocol/errors';
import type { enableIntegration } from '../../protocol/missions';
import { bridgesOf, resetBridges } from './state';

type Params = z.output<typeof enableIntegration.params>;
type Result = z.output<typeof enableIntegration.result>;

/** Request field → setting key, per integration. */
const FIELDS: Record<Params['name'], Partial<Record<keyof Params['config'] | 'enabled', string>>> = {
  phios: { enabled: 'phios.enabled', url: 'phios.url', transport: 'phios.transport', timeout_seconds: 'phios.timeoutSeconds' },
  agentception: {
    enabled: 'agentception.enabled',
    url: 'agentception.url',
    timeout_seconds: 'agentception.timeoutSeconds',
    launch_mode: 'agentception.launchMode',
    role: 'agentception.role',
    label: 'agentception.label',
  },
};

const specOf = (key: string) => (allSettings as readonly SettingSpec[]).find((s) => s.key === key)!;
const text = (v: unknown) => (Array.isArray(v) ? v.join(',') : String(v));

/**
 * What the HTTP API may never set: anything that makes the server run a program. PhiOS's command (and its args and
 * env, which the schema does not even accept) and the mcp-stdio transport, which spawns that command, are set only
 * from the operator's own surfaces. Checked before anything is written.
 */
function refuseExecutables(p: Params): void {
  const where =
    'set it in VS Code settings (agentora.phios.*), in the config file <data dir>/config.env (AGENTORA_PHIOS_*), or in the environment of `agentora serve`';
  if (p.config.command !== undefined) {
    throw new AppError(
      'bad_request',
      `Invalid params: config.command: integration commands cannot be set through the HTTP API (it would let any token holder run a program): ${where}`,
      [{ path: 'config.command', message: 'not settable through the HTTP API' }],
      `The operator sets the PhiOS command: ${where}.`,
    );
  }
  if (p.config.transport === 'mcp-stdio') {
    throw new AppError(
      'bad_request',
      `Invalid params: config.transport: 'mcp-stdio' starts a local program, so it cannot be chosen through the HTTP API: ${where} (AGENTORA_PHIOS_TRANSPORT=mcp-stdio)`,
      [{ path: 'config.transport', message: "'mcp-stdio' is not settable through the HTTP API" }],
      `The operator chooses mcp-stdio: ${where}.`,
    );
  }
}

export async function enableIntegrationService(ctx: ServerContext, p: Params): Promise<Result> {
  refuseExecutables(p);
  const fields = FIELDS[p.name];
  const wanted: [field: string, key: string, value: unknown][] = [['enabled', fields.enabled!, p.enabled]];
  for (const [field, value] of Object.entries(p.config)) {
    const key = fields[field as keyof typeof fields];
    if (value === undefined) continue;
    if (!key)
      throw new AppError('bad_request', `Invalid params: config.${field}: not a ${p.name} setting`, [
        { path: `config.${field}`, message: `not a ${p.name} setting` },
      ]);
    wanted.push([field, key, value]);
  }
  // Validate every value with its setting's own schema before anything is written: all or nothing.
  const written: Record<string, string> = {};
  for (const [field, key, value] of wanted) {
    const spec = specOf(key);
    const parsed = spec.schema.safeParse(text(value));
    if (!parsed.success || /[\r\n]/.test(text(value))) {
      const path = field === 'enabled' ? 'enabled' : `config.${field}`;
      const message = parsed.success ? 'must be a single line' : parsed.error.issues.map((i) => i.message).join(', ');
      throw new AppError('bad_request', `Invalid params: ${path}: ${message}`, [{ path, message }]);
    }
    written[spec.env] = text(value);
  }
  const file = writeConfigEnv(ctx.config.dataDir, written);
  if (!ctx.reloadConfig) throw new AppError('internal', 'this server cannot reload its configuration');
  ctx.reloadConfig();
  await resetBridges(ctx);
  const overridden: Result['overridden'] = [];
  for (const [, key] of wanted) {
    const spec = specOf(key);
    const effective = text((ctx.config as unknown as Record<string, unknown>)[key]);
    const parsedWritten = text(spec.schema.parse(written[spec.env]));
    if (effective === parsedWritten) continue;
    overridden.push({ variable: spec.env, by: process.env[spec.env] !== undefined ? 'environment' : 'client setting', effective });
  }
  const b = bridgesOf(ctx);
  const health = await (p.name === 'phios' ? b.phios.health() : b.agentception.health());
  const enabled = ctx.config[p.name === 'phios' ? 'phios.enabled' : 'agentception.enabled'];
  ctx.log.info(`${p.name} ${p.enabled ? 'enabled' : 'disabled'} through the API (${Object.keys(written).join(', ')} → ${file})`);
  return { ok: true, name: p.name, enabled, written, config_file: file, overridden, health };
}
