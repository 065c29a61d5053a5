// Shared pieces of the wire shapes (../../../../../shared/brief/wire-shapes.md). Wire schemas are loose: the
// earlier product's fields must be there with their JSON types; anything we add is allowed.
import { z } from 'zod';

export const loose = z.looseObject;
/** An id that is an integer where the earlier product used integers, or one of our string ids. */
export const WireId = z.union([z.number().int(), z.string()]);
/** The earlier product's ids were integers: answer a digit-only id as a number, anything else as it is. */
export function intIfDigits(v: string | null | undefined): number | string | null {
  if (v === null || v === undefined) return null;
  return /^(0|[1-9]\d{0,14})$/.test(v) ? Number(v) : v;
}
/** The service result, answered as it is (the route's wire shape is the result's own shape). */
export const same = <T extends z.ZodType>(schema: T) => ({ schema });
