// The wire shapes the extension reads, taken from the one contract (never re-declared).
import type { ActionItem, Preview } from '../../../server/src/protocol/actions';
import type { z } from 'zod';

export type { ActionItem };
export type ActionPreview = z.infer<typeof Preview>;
export interface DidChange {
  kind: 'action' | 'rule' | 'grant' | 'policy';
  action: ActionItem | null;
  pending_count: number;
}
