// Workers (two-PC assist): lease and heartbeat timing, retries, and where model calls may run by default.
import { boolSetting, enumSetting, intSetting, numSetting, setting } from '../define';

const MODES = ['auto', 'prefer_worker', 'local'] as const;

export const workerSettings = [
  setting({
    key: 'workers.leaseSeconds',
    env: 'AGENTORA_WORKER_LEASE_SECONDS',
    schema: numSetting(0.5, 3600),
    default: 30,
    description:
      'How long a worker holds a job without a heartbeat. When a lease expires (the worker died or lost the network) the job runs here instead.',
  }),
  setting({
    key: 'workers.heartbeatSeconds',
    env: 'AGENTORA_WORKER_HEARTBEAT_SECONDS',
    schema: numSetting(0.1, 600),
    default: 10,
    description: 'How often workers send a heartbeat (told to them at registration). A worker silent for twice this is no longer live.',
  }),
  setting({
    key: 'workers.maxRetries',
    env: 'AGENTORA_WORKER_MAX_RETRIES',
    schema: intSetting(0, 20),
    default: 2,
    description: 'Default retries of a job a worker reported as failed before it runs here (or fails, when worker-only).',
  }),
  setting({
    key: 'workers.claimWaitSeconds',
    env: 'AGENTORA_WORKER_CLAIM_WAIT_SECONDS',
    schema: numSetting(0.1, 60),
    default: 25,
    description: 'Longest time a worker long-poll for a job is held open before it answers "no job".',
  }),
  setting({
    key: 'workers.allowInsecureHttp',
    env: 'AGENTORA_ALLOW_INSECURE_HTTP',
    schema: boolSetting,
    default: false,
    scope: 'machine',
    description:
      'Serve plain HTTP on a non-loopback address (AGENTORA_HOST). Off: such a bind serves HTTPS with a self-signed certificate that workers pin (its fingerprint is printed by `agentora worker-token create`).',
  }),
  setting({
    key: 'workers.chatMode',
    env: 'AGENTORA_WORKER_CHAT_MODE',
    schema: enumSetting(MODES),
    default: 'auto',
    description: 'Where chat answers run: auto (a live worker with a free slot, else here), prefer_worker (queue for a live worker), local.',
  }),
  setting({
    key: 'workers.teamMode',
    env: 'AGENTORA_WORKER_TEAM_MODE',
    schema: enumSetting(MODES),
    default: 'auto',
    description: "Default worker mode of team runs' model calls (a run's own worker_mode wins).",
  }),
  setting({
    key: 'workers.workflowMode',
    env: 'AGENTORA_WORKER_WORKFLOW_MODE',
    schema: enumSetting(MODES),
    default: 'auto',
    description: "Default worker mode of workflow steps' model calls (a run's own worker_mode wins).",
  }),
  setting({
    key: 'workers.embedderMode',
    env: 'AGENTORA_WORKER_EMBEDDER_MODE',
    schema: enumSetting(MODES),
    default: 'local',
    description: 'Where the memory embedder computes embeddings (batches become model_embed jobs when not local).',
  }),
  setting({
    key: 'workers.maintenanceMode',
    env: 'AGENTORA_WORKER_MAINTENANCE_MODE',
    schema: enumSetting(MODES),
    default: 'auto',
    description:
      'Where the memory duplicate scan verifies its candidate pairs (batches become memory_maintenance jobs when a worker takes them; local otherwise).',
  }),
] as const;
