// System area: health, version, doctor, bootstrap, connection info, server status notifications.
import { z } from 'zod';
import { defineMethod, defineNotification, NoParams, zBool } from './define';
import * as W from './wire/system';

export const Mode = z.enum(['mock', 'live']);

export const HealthResult = z.object({
  ok: z.boolean(),
  service: z.string(),
  /** `mock` when the model provider or the integrations run in mock mode, else `live`. */
  mode: Mode,
});

export const health = defineMethod({
  method: 'agentora/system/health',
  scope: 'agent',
  description: 'Liveness. The only operation reachable over HTTP without a token.',
  params: NoParams,
  result: HealthResult,
  rest: [
    { verb: 'GET', path: '/api/health', wire: W.health },
    { verb: 'GET', path: '/api/system/health', wire: W.health },
  ],
  readOnly: true,
});

export const VersionResult = z.object({
  ok: z.boolean(),
  service: z.string(),
  version: z.string(),
  title: z.string(),
  network_mode: z.enum(['loopback', 'network']),
  offline_friendly: z.boolean(),
  node_version: z.string(),
  sqlite_version: z.string(),
  schema_version: z.number().int(),
  data_dir: z.string(),
});

export const version = defineMethod({
  method: 'agentora/system/version',
  scope: 'agent',
  description: 'Version of the server, its runtime and its database schema.',
  params: NoParams,
  result: VersionResult,
  rest: { verb: 'GET', path: '/api/system/version', wire: W.version },
  readOnly: true,
});

export const Severity = z.enum(['ok', 'info', 'warn', 'error']);
export type Severity = z.infer<typeof Severity>;

export const DoctorItem = z.object({
  key: z.string(),
  title: z.string(),
  ok: z.boolean(),
  severity: Severity,
  detail: z.string(),
  fix_hint: z.string(),
  /** Heavy checks (database integrity) are cached: when this result was taken, how old it is, how long it took. */
  checked_at: z.string().optional(),
  age_seconds: z.number().optional(),
  cached: z.boolean().optional(),
  duration_ms: z.number().optional(),
});
export type DoctorItem = z.infer<typeof DoctorItem>;

export const DoctorResult = z.object({
  ok: z.boolean(),
  status: z.enum(['ok', 'warn', 'error']),
  items: z.array(DoctorItem),
  next_steps: z.array(z.string()),
  checked_at: z.string(),
});
export type DoctorResult = z.infer<typeof DoctorResult>;

export const doctor = defineMethod({
  method: 'agentora/system/doctor',
  description: 'Run every health check (runtime, SQLite, data dir, database, Ollama, integrations, workers, port) with fix hints. The database integrity check runs off the event loop and is cached (its age is shown); refresh=true re-runs it now.',
  params: z.object({ refresh: zBool.default(false) }).default({ refresh: false }),
  result: DoctorResult,
  rest: { verb: 'GET', path: '/api/system/doctor', wire: W.doctor },
  readOnly: true,
});

export const BootstrapStep = z.object({
  step: z.string(),
  status: z.enum(['done', 'skipped', 'failed']),
  detail: z.string(),
});

export const BootstrapParams = z.object({ auto_fix: zBool.default(true) }).default({ auto_fix: true });
export const BootstrapResult = z.object({
  ok: z.boolean(),
  status: z.enum(['ok', 'warn', 'error']),
  report: z.object({ steps: z.array(BootstrapStep), doctor: DoctorResult }),
  bootstrap_state_id: z.number().int(),
  auto_fix_applied: z.boolean(),
});
export type BootstrapResult = z.infer<typeof BootstrapResult>;

export const bootstrap = defineMethod({
  method: 'agentora/system/bootstrap',
  description: 'First-run setup: create the data dir, run migrations, write a default config; then re-run the doctor.',
  params: BootstrapParams,
  result: BootstrapResult,
  rest: { verb: 'POST', path: '/api/system/bootstrap', wire: W.bootstrap },
});

export const ConnectionInfoResult = z.object({
  http_url: z.string().nullable(),
  studio_url: z.string().nullable(),
  http_error: z.string().nullable(),
  data_dir: z.string(),
});

export const connectionInfo = defineMethod({
  method: 'agentora/system/connectionInfo',
  description: 'Where the HTTP API and the browser studio listen (the studio URL carries a fresh one-time code, never the token).',
  params: NoParams,
  result: ConnectionInfoResult,
  readOnly: true,
});

export const trustEditorOrigin = defineMethod({
  method: 'agentora/system/trustEditorOrigin',
  description:
    'Editor connection only: accept requests whose Host/Origin is this origin — where the editor forwards the studio (vscode.env.asExternalUri, e.g. code-server\'s https://host/proxy/<port>/). The bearer token is still required.',
  params: z.object({ origin: z.url({ protocol: /^https?$/ }) }),
  result: z.object({ ok: z.boolean(), origins: z.array(z.string()) }),
  scope: 'editor',
});

export const didFinishDoctor = defineNotification({
  name: 'agentora/system/didFinishDoctor',
  description: 'Sent by the server after any doctor run (including the one inside bootstrap) so every panel refreshes.',
  payload: DoctorResult,
});

export const systemMethods = [health, version, doctor, bootstrap, connectionInfo, trustEditorOrigin] as const;
export const systemNotifications = [didFinishDoctor] as const;
