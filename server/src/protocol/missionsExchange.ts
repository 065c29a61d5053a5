// Mission export / import (http-api.md "observability": `GET export`, `POST import`; wire-shapes.md). The bundle
// is `mission-export-v1`: runs (the stored mission rows), their timeline, watcher, alert, decision and writeback
// records, snapshots, and an HMAC-SHA256 signature over its canonical JSON when signing is on.
import { z } from 'zod';
import { defineMethod } from './define';

export const ExportFilters = z.object({
  start_date: z
    .string()
    .trim()
    .refine((v) => !Number.isNaN(Date.parse(v)), 'expected a date')
    .optional(),
  end_date: z
    .string()
    .trim()
    .refine((v) => !Number.isNaN(Date.parse(v)), 'expected a date')
    .optional(),
  repo: z.string().trim().min(1).max(200).optional(),
  persona_id: z.string().trim().min(1).max(200).optional(),
  status: z.string().trim().min(1).max(50).optional(),
});
export type ExportFilters = z.infer<typeof ExportFilters>;

const Rows = z.array(z.record(z.string(), z.unknown()));
export const Bundle = z.looseObject({
  schema_version: z.string(),
  exported_at: z.string(),
  filters: z.record(z.string(), z.unknown()),
  runs: Rows,
  watcher_events: Rows,
  alert_events: Rows,
  operator_decision_events: Rows,
  mission_patterns: Rows,
  snapshots: z.record(z.string(), z.unknown()),
  signed: z.boolean(),
  signature: z.string().optional(),
});

export const exportMissions = defineMethod({
  method: 'agentora/missions/exportMissions',
  scope: 'agent', // an MCP tool (export_missions): a read of what list_missions / get_mission already show

  description:
    'Export the missions matching the filters (and only their events, decisions, writebacks and snapshots) as a mission-export-v1 bundle, signed with HMAC-SHA256 when AGENTORA_MISSIONS_SIGN_EXPORTS is on.',
  params: ExportFilters,
  result: Bundle,
  rest: { verb: 'GET', path: '/api/integrations/export', wire: { schema: Bundle } },
  readOnly: true,
});

export const ImportResult = z.object({
  ok: z.boolean(),
  imported_runs: z.number().int(),
  skipped_runs: z.number().int(),
  remapped_runs: z.number().int(),
  imported_timeline_events: z.number().int(),
  imported_watcher_events: z.number().int(),
  imported_alert_events: z.number().int(),
  imported_operator_decision_events: z.number().int(),
  imported_writebacks: z.number().int(),
  imported_mission_patterns: z.number().int(),
  /** Bundle id → new id, for missions whose id was taken by a different mission here. */
  id_map: z.record(z.string(), z.string()),
});

export const importMissions = defineMethod({
  method: 'agentora/missions/importMissions',
  description:
    'Import a mission-export-v1 bundle in one transaction: the signature is verified (required when signing is on), existing identical missions are kept (re-import changes nothing), colliding ids are remapped with their lineage. A bad bundle changes nothing.',
  params: z.looseObject({ schema_version: z.string().max(100) }),
  result: ImportResult,
  rest: {
    verb: 'POST',
    path: '/api/integrations/import',
    // A 10k-mission bundle is tens of MB: the body is taken raw and parsed and imported in a worker thread.
    rawBodyLimit: 512 * 1024 * 1024,
    wire: {
      schema: z.looseObject({
        ok: z.boolean(),
        imported_runs: z.number().int(),
        imported_watcher_events: z.number().int(),
        imported_alert_events: z.number().int(),
        imported_operator_decision_events: z.number().int(),
        imported_mission_patterns: z.number().int(),
      }),
    },
  },
});

export const missionsExchangeMethods = [exportMissions, importMissions] as const;
