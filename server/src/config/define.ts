// A setting is declared once: its key (also the VS Code `agentora.<key>` setting), its environment variable,
// its zod schema (which parses text from .env / the environment as well as JSON values from VS Code), its
// default and its description. The loader, `.env.example`, the manifest's configuration section and
// docs/settings.md are all checked against these declarations by test/unit/settings.test.ts.
import { z } from 'zod';

export interface SettingSpec<K extends string = string, S extends z.ZodType = z.ZodType> {
  key: K;
  env: string;
  schema: S;
  default: z.output<S>;
  description: string;
  /** Secrets come from VS Code SecretStorage or the environment, never from settings files. */
  secret?: boolean;
  /** Only meaningful for the standalone server (the extension decides it itself, e.g. the data dir). */
  standaloneOnly?: boolean;
  /**
   * VS Code scope of `agentora.<key>` (manifest `scope`). `machine`: user settings only — for settings that start
   * programs, open doors or loosen the action policy, so a cloned repository's `.vscode/settings.json` cannot
   * change them (the extension also ignores workspace values for them). Default `window`.
   */
  scope?: 'machine' | 'window';
}

export function setting<K extends string, S extends z.ZodType>(spec: SettingSpec<K, S>): SettingSpec<K, S> {
  return spec;
}

const fromText = (v: unknown) => (typeof v === 'string' ? v.trim() : v);

export const boolSetting = z.preprocess((v) => {
  const t = fromText(v);
  if (typeof t === 'string') {
    if (['true', '1', 'yes', 'on'].includes(t.toLowerCase())) return true;
    if (['false', '0', 'no', 'off'].includes(t.toLowerCase())) return false;
  }
  return t;
}, z.boolean());

export const intSetting = (min: number, max: number) =>
  z.preprocess((v) => {
    const t = fromText(v);
    return typeof t === 'string' && t !== '' && !Number.isNaN(Number(t)) ? Number(t) : t;
  }, z.number().int().min(min).max(max));

export const numSetting = (min: number, max: number) =>
  z.preprocess((v) => {
    const t = fromText(v);
    return typeof t === 'string' && t !== '' && !Number.isNaN(Number(t)) ? Number(t) : t;
  }, z.number().min(min).max(max));

export const strSetting = z.preprocess(fromText, z.string());

export const urlSetting = z.preprocess(fromText, z.url({ protocol: /^https?$/ }));
export const optionalUrlSetting = z.preprocess(fromText, z.union([z.literal(''), z.url({ protocol: /^https?$/ })]));

/** A comma-separated list in text form; an array from VS Code. */
export const listSetting = z.preprocess((v) => {
  if (typeof v === 'string') return v.split(',').map((s) => s.trim()).filter(Boolean);
  return v;
}, z.array(z.string()));

export const enumSetting = <T extends readonly [string, ...string[]]>(values: T) => z.preprocess(fromText, z.enum(values));
