// Wire shapes used by the Actions panel, inferred from the one contract.
import type { z } from 'zod';
import type { ActionItem, Grant, PolicyInfo, Rule, ToolEntry as ToolEntrySchema } from '../../../../server/src/protocol/actions';

export type Item = ActionItem;
export type { Grant, Rule };
export type Policy = z.infer<typeof PolicyInfo>;
export type ToolEntry = z.infer<typeof ToolEntrySchema>;
