// The wire shapes the extension reads, taken from the one contract (never re-declared).
import type { ActionItem, didChange } from '../../../server/src/protocol/actions';
import type { z } from 'zod';

export type { ActionItem };
export type DidChange = z.infer<typeof didChange.payload>;
