// Memory engine settings: embeddings, hot/cold, decay and archive thresholds, near-duplicate threshold.
import { boolSetting, intSetting, numSetting, setting } from '../define';

export const memorySettings = [
  setting({
    key: 'memory.embeddingsEnabled',
    env: 'AGENTORA_MEMORY_EMBEDDINGS_ENABLED',
    schema: boolSetting,
    default: true,
    description:
      'Embed memories with the model provider (in the background) and fuse vector similarity with full-text retrieval. Off: full-text (BM25) only.',
  }),
  setting({
    key: 'memory.embedIntervalMs',
    env: 'AGENTORA_MEMORY_EMBED_INTERVAL_MS',
    schema: intSetting(10, 600000),
    default: 500,
    description: 'How often the background embedder looks for memories waiting for an embedding (milliseconds).',
  }),
  setting({
    key: 'memory.searchThreads',
    env: 'AGENTORA_MEMORY_SEARCH_THREADS',
    schema: intSetting(0, 8),
    // One thread: the event loop keeps HTTP and a thread ranks. On 2 cores a second thread measured worse (p99
    // 67–70 against 52–58 ms at 10 clients): both threads warm their own caches and compete with the event loop.
    default: 1,
    description:
      "Worker threads that rank memory searches, each on a read connection of its own, so concurrent searches use more than one core and never queue on the server's event loop. 0: rank on the event loop.",
  }),
  setting({
    key: 'memory.hotDays',
    env: 'AGENTORA_MEMORY_HOT_DAYS',
    schema: intSetting(0, 3650),
    default: 7,
    description: 'A memory used or changed within this many days counts as hot; older ones are cold.',
  }),
  setting({
    key: 'memory.decayAfterDays',
    env: 'AGENTORA_MEMORY_DECAY_AFTER_DAYS',
    schema: intSetting(0, 3650),
    default: 30,
    description: 'Maintenance lowers the salience of memories idle (unused, unchanged, not decayed) for this many days.',
  }),
  setting({
    key: 'memory.decayStep',
    env: 'AGENTORA_MEMORY_DECAY_STEP',
    schema: numSetting(0, 1),
    default: 0.2,
    description: 'How much salience one maintenance decay removes (salience runs from 1 to 0).',
  }),
  setting({
    key: 'memory.archiveBelowSalience',
    env: 'AGENTORA_MEMORY_ARCHIVE_BELOW_SALIENCE',
    schema: numSetting(0, 1),
    default: 0.3,
    description: 'Maintenance archives low-value memories (few uses, low trust, not in the core layer) whose salience fell below this.',
  }),
  setting({
    key: 'memory.nearDuplicateThreshold',
    env: 'AGENTORA_MEMORY_NEAR_DUPLICATE_THRESHOLD',
    schema: numSetting(0.5, 1),
    default: 0.8,
    description: 'Shingle (Jaccard) similarity from which two memories are proposed as near duplicates.',
  }),
] as const;
