// Wire types of the memory area, straight from the one contract (type-only: nothing of zod reaches the bundle).
import type { z } from 'zod';
import type * as M from '../../../../server/src/protocol/memory';

export type Capsule = z.infer<typeof M.Capsule>;
export type SearchItem = z.infer<typeof M.SearchItem>;
export type SearchResult = z.infer<typeof M.SearchResult>;
export type Proposal = z.infer<typeof M.Proposal>;
export type Job = z.infer<typeof M.Job>;
export type Change = z.infer<typeof M.Change>;
export type Context = z.infer<typeof M.Context>;
export type Health = z.infer<typeof M.HealthResult>;
export type LineageNode = z.infer<typeof M.LineageNode>;
export type LineageEdge = z.infer<typeof M.LineageEdge>;

export const errorText = (e: unknown): string => (e as Error)?.message ?? String(e);
export type Layer = z.infer<typeof M.Layer>;
export type Kind = z.infer<typeof M.Kind>;
export type Source = z.infer<typeof M.Source>;
export type Batch = z.infer<typeof M.Batch>;
