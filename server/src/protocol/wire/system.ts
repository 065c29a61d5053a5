// Wire shapes of the system and model routes (http-api.md "System"): our results already have the earlier
// product's fields, so these only pin them down for the drift test.
import { z } from 'zod';
import { loose } from './common';

export const health = { schema: loose({ ok: z.boolean(), service: z.string(), mode: z.string() }) };
export const version = {
  schema: loose({
    ok: z.boolean(),
    service: z.string(),
    version: z.string(),
    title: z.string(),
    network_mode: z.string(),
    offline_friendly: z.boolean(),
  }),
};
const DoctorItem = loose({ key: z.string(), ok: z.boolean(), severity: z.string(), detail: z.string(), fix_hint: z.string() });
export const Doctor = loose({
  ok: z.boolean(),
  status: z.enum(['ok', 'warn', 'error']),
  items: z.array(DoctorItem),
  next_steps: z.array(z.string()),
});
export const doctor = { schema: Doctor };
export const bootstrap = {
  schema: loose({ ok: z.boolean(), status: z.string(), report: loose({}), bootstrap_state_id: z.number().int(), auto_fix_applied: z.boolean() }),
};
export const ollamaModels = { schema: loose({ ok: z.boolean(), models: z.array(loose({ name: z.string() })) }) };
export const ollamaTest = { schema: loose({ ok: z.boolean(), model: z.string(), reply: z.string() }) };
