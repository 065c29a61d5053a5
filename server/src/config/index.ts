// The server's only reader of settings. Layers, lowest first:
//   defaults ← <dataDir>/config.env (written by bootstrap) ← ./.env ← the environment ← settings from the client
// (the VS Code extension sends only the `agentora.*` values the user set explicitly, plus secrets from
// SecretStorage). Every value goes through the setting's zod schema; a bad one is an error naming the variable.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import type { z } from 'zod';
import { actionSettings } from './settings/actions';
import { coreSettings } from './settings/core';
import { integrationSettings } from './settings/integrations';
import { memorySettings } from './settings/memory';
import { workerSettings } from './settings/workers';
import { teamsSettings } from './settings/teams';
import { workflowSettings } from './settings/workflows';
import { missionsPolicySettings } from './settings/missionsPolicy';
import type { SettingSpec } from './define';

export const allSettings = [
  ...coreSettings,
  ...integrationSettings,
  ...actionSettings,
  ...memorySettings,
  ...workerSettings,
  ...teamsSettings,
  ...workflowSettings,
  ...missionsPolicySettings,
] as const;
type AnySetting = (typeof allSettings)[number];

export type Config = { readonly [S in AnySetting as S['key']]: z.output<S['schema']> };
export type SettingKey = keyof Config;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** Extra `.env`-format files, lowest precedence first. Missing files are skipped. */
  dotenvFiles?: string[];
  /** Values from the client (VS Code settings / SecretStorage), keyed by setting key. Highest precedence. */
  overrides?: Partial<Record<string, unknown>>;
}

export function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? path.join(os.homedir(), p.slice(1)) : p;
}

function readDotenv(file: string): Record<string, string> {
  return existsSync(file) ? parseDotenv(readFileSync(file)) : {};
}

/** The data dir must be known before the config files in it can be read, so it is resolved first. */
export function resolveDataDir(opts: LoadOptions = {}): string {
  const env = opts.env ?? process.env;
  const fromOverride = opts.overrides?.['dataDir'];
  const cwdDotenv = readDotenv(path.resolve('.env'));
  const raw = typeof fromOverride === 'string' && fromOverride ? fromOverride : env.AGENTORA_DATA_DIR || cwdDotenv.AGENTORA_DATA_DIR || '~/.agentora';
  return path.resolve(expandHome(raw));
}

export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env;
  const dataDir = resolveDataDir(opts);
  const files = opts.dotenvFiles ?? [path.join(dataDir, 'config.env'), path.resolve('.env')];
  const fileValues: Record<string, string> = Object.assign({}, ...files.map(readDotenv));
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const spec of allSettings as readonly SettingSpec[]) {
    let raw: unknown = spec.default;
    let source = 'default';
    if (fileValues[spec.env] !== undefined) [raw, source] = [fileValues[spec.env], spec.env + ' (.env)'];
    if (env[spec.env] !== undefined) [raw, source] = [env[spec.env], spec.env];
    const override = opts.overrides?.[spec.key];
    if (override !== undefined && override !== null) [raw, source] = [override, `agentora.${spec.key}`];
    const parsed = spec.schema.safeParse(raw);
    if (parsed.success) out[spec.key] = parsed.data;
    else problems.push(`${source}: ${parsed.error.issues.map((i) => i.message).join(', ')} (got ${JSON.stringify(raw)})`);
  }
  if (problems.length) throw new ConfigError(problems);
  out.dataDir = dataDir;
  return Object.freeze(out) as unknown as Config;
}

/** A default `config.env` for bootstrap: every non-secret variable, commented out, with its default. */
export function renderDefaultConfigEnv(): string {
  const lines = ['# Agentora configuration. Uncomment a line to change it; the environment still wins.', ''];
  for (const spec of allSettings as readonly SettingSpec[]) {
    if (spec.secret || spec.key === 'dataDir') continue;
    const value = Array.isArray(spec.default) ? spec.default.join(',') : String(spec.default);
    lines.push(`# ${spec.description}`, `# ${spec.env}=${value}`, '');
  }
  return lines.join('\n');
}

/**
 * Set variables in `<dataDir>/config.env` (the operator's file, written by bootstrap): an existing line — set or
 * commented out — is replaced in place, a new one appended; everything else in the file is kept. Values are
 * single-line (checked by the caller against the setting's schema). The file stays 0600.
 */
export function writeConfigEnv(dataDir: string, values: Record<string, string>): string {
  const file = path.join(dataDir, 'config.env');
  const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n') : ['# Agentora configuration (see .env.example for every variable).', ''];
  for (const [name, value] of Object.entries(values)) {
    if (!/^AGENTORA_[A-Z0-9_]+$/.test(name) || /[\r\n]/.test(value)) throw new Error(`refusing to write ${name}`);
    const line = `${name}=${value}`;
    const at = lines.findIndex((l) => new RegExp(`^#?\\s*${name}=`).test(l));
    if (at >= 0) lines[at] = line;
    else lines.push(line);
  }
  writeFileSync(file, lines.join('\n').replace(/\n*$/, '\n'), { mode: 0o600 });
  return file;
}
