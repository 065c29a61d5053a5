// Writes the manifest's `contributes.configuration.properties` (package.json) from the settings declarations:
// type, default, description, and what the zod schema allows — enums, integer/number ranges, URL patterns — plus
// the VS Code scope, so the settings UI flags a bad value before the server ever sees it.
// test/unit/manifest.test.ts fails when package.json drifts: run `npx tsx scripts/gen-settings.ts`.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { allSettings } from '../server/src/config';
import type { SettingSpec } from '../server/src/config/define';

const ROOT = path.resolve(__dirname, '..');

interface JsonSchema {
  type?: string;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  format?: string;
  const?: unknown;
  anyOf?: JsonSchema[];
  items?: JsonSchema;
}

/** The manifest property of one setting (the extension-only `server.runtime` is kept as written). */
export function manifestProperty(s: SettingSpec): Record<string, unknown> {
  const js = z.toJSONSchema(s.schema, { io: 'output', unrepresentable: 'any' }) as JsonSchema;
  const prop: Record<string, unknown> = {};
  // `'' | url` (an optional URL) comes out as anyOf: a string that is empty or a URL.
  const url = js.format === 'uri' || js.anyOf?.some((a) => a.format === 'uri');
  const optional = js.anyOf?.some((a) => a.const === '');
  prop.type = js.type ?? (url ? 'string' : Array.isArray(s.default) ? 'array' : typeof s.default);
  if (js.items) prop.items = { type: js.items.type ?? 'string' };
  if (js.enum) prop.enum = js.enum;
  if (js.minimum !== undefined) prop.minimum = js.minimum;
  if (js.maximum !== undefined) prop.maximum = js.maximum;
  if (url) {
    prop.pattern = optional ? '^(https?://\\S+)?$' : '^https?://\\S+$';
    prop.patternErrorMessage = optional ? 'Expected an http(s) URL, or nothing' : 'Expected an http(s) URL';
  }
  prop.default = s.default;
  prop.scope = s.scope ?? 'window';
  prop.description = `${s.description} (env: ${s.env})`;
  return prop;
}

/** Every plain setting (not secrets, not standalone-only) as the manifest declares it. */
export function manifestProperties(): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const s of allSettings as readonly SettingSpec[]) if (!s.secret && !s.standaloneOnly) out[`agentora.${s.key}`] = manifestProperty(s);
  return out;
}

if (require.main === module) {
  const file = path.join(ROOT, 'package.json');
  const pkg = JSON.parse(readFileSync(file, 'utf8'));
  const old = pkg.contributes.configuration.properties as Record<string, unknown>;
  // Extension-only settings (e.g. agentora.server.runtime) are not server settings: keep them first, as written.
  const extensionOnly = Object.fromEntries(Object.entries(old).filter(([k]) => !allSettings.some((s) => `agentora.${s.key}` === k)));
  pkg.contributes.configuration.properties = { ...extensionOnly, ...manifestProperties() };
  writeFileSync(file, JSON.stringify(pkg, null, 2) + '\n');
  console.log('wrote package.json contributes.configuration.properties');
}
