// Memory area contract: memories ("capsules" on the wire, as the earlier HTTP API named them), retrieval,
// contexts, lineage, duplicate/conflict proposals and maintenance jobs. REST routes follow http-api.md.
// The contract is split by feature into memory*.ts files; this module is the `memory` namespace of the protocol.
import { create, get, list, update, archive, restore, remove, history, promote, demote, refine, layers } from './memoryCapsules';
import { lineage, neighbors, upload, batches, undoBatch } from './memoryLineage';
import { search, runContexts, runRetrieval, runTrace } from './memoryRetrieval';
import {
  conflicts,
  duplicates,
  accept,
  reject,
  runMaintenance,
  scanConflicts,
  scanDuplicates,
  jobs,
  job,
  undo,
  health,
  didProgress,
  didChange,
} from './memoryMaintenance';

export * from './memoryCapsules';
export * from './memoryLineage';
export * from './memoryRetrieval';
export * from './memoryMaintenance';

export const memoryMethods = [
  create,
  get,
  list,
  update,
  archive,
  restore,
  remove,
  history,
  promote,
  demote,
  refine,
  layers,
  lineage,
  neighbors,
  upload,
  batches,
  undoBatch,
  search,
  runContexts,
  runRetrieval,
  runTrace,
  conflicts,
  duplicates,
  accept,
  reject,
  runMaintenance,
  scanConflicts,
  scanDuplicates,
  jobs,
  job,
  undo,
  health,
] as const;
export const memoryNotifications = [didProgress, didChange] as const;
