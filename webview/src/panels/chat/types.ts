// Wire types of the chat area, straight from the one contract (type-only: nothing of zod reaches the bundle).
import type { z } from 'zod';
import type * as C from '../../../../server/src/protocol/chat';

export type Session = z.infer<typeof C.Session>;
export type Message = z.infer<typeof C.Message>;
export type SessionDetail = z.infer<typeof C.SessionDetail>;
export type UsedMemory = z.infer<typeof C.UsedMemory>;
export type Proposal = z.infer<typeof C.Proposal>;
export type TokenEvent = z.infer<typeof C.didToken.payload>;
export type MessageEvent = z.infer<typeof C.didMessage.payload>;

export const errorText = (e: unknown): string => (e as Error)?.message ?? String(e);
export const fixOf = (e: unknown): string | undefined => (e as { data?: { fix_hint?: string } })?.data?.fix_hint;
