// Persona policy hooks and the analytics cache (brief phases J–K). The policy below is the default of every
// lineage; a policy template applied to a root (POST runs/{id}/apply-policy-template) replaces it for that root's
// lineage. Each hook really blocks: a refused action is a 400 naming the rule, changes nothing and is recorded
// as a `policy_blocked_action` decision event (services/missions/personas/policy.ts).
import { boolSetting, intSetting, setting } from '../define';

export const missionsPolicySettings = [
  setting({
    key: 'personaPolicy.enabled',
    env: 'AGENTORA_PERSONA_POLICY_ENABLED',
    schema: boolSetting,
    default: false,
    description: 'Enforce the persona policy hooks below (off: every hook is inactive unless a policy template is applied to the lineage).',
  }),
  setting({
    key: 'personaPolicy.requireDualReviewOnHighRisk',
    env: 'AGENTORA_PERSONA_POLICY_REQUIRE_DUAL_REVIEW_ON_HIGH_RISK',
    schema: boolSetting,
    default: false,
    description:
      'A high-risk mission is shortlisted, manually overridden or written back only after a first review (an accepted recommendation) is on record.',
  }),
  setting({
    key: 'personaPolicy.blockExploratoryOnHighRisk',
    env: 'AGENTORA_PERSONA_POLICY_BLOCK_EXPLORATORY_ON_HIGH_RISK',
    schema: boolSetting,
    default: false,
    description:
      'Exploratory branches (exploratory_branch strategy or exploratory_innovator overlay) of high-risk missions cannot be created, shortlisted, launched or written back.',
  }),
  setting({
    key: 'personaPolicy.requireOverrideReason',
    env: 'AGENTORA_PERSONA_POLICY_REQUIRE_OVERRIDE_REASON',
    schema: boolSetting,
    default: true,
    description: 'Rejecting a recommendation, a manual override and removing an override each need a note.',
  }),
  setting({
    key: 'personaPolicy.requireConservativeBranchOnHighRisk',
    env: 'AGENTORA_PERSONA_POLICY_REQUIRE_CONSERVATIVE_BRANCH_ON_HIGH_RISK',
    schema: boolSetting,
    default: false,
    description:
      'A persona branch set of a high-risk mission must include a conservative branch, and a non-conservative high-risk branch is shortlisted only when a conservative sibling exists.',
  }),
  setting({
    key: 'analytics.cacheEnabled',
    env: 'AGENTORA_ANALYTICS_CACHE_ENABLED',
    schema: boolSetting,
    default: true,
    description: 'Cache persona trends, matrix, insights and summaries (invalidated by every write that changes their inputs).',
  }),
  setting({
    key: 'analytics.cacheTtlSeconds',
    env: 'AGENTORA_ANALYTICS_CACHE_TTL_SECONDS',
    schema: intSetting(1, 86400),
    default: 120,
    description: 'Seconds an analytics result stays cached.',
  }),
  setting({
    key: 'analytics.cacheMaxEntries',
    env: 'AGENTORA_ANALYTICS_CACHE_MAX_ENTRIES',
    schema: intSetting(1, 100000),
    default: 100,
    description: 'Most analytics results kept in the cache (the oldest is dropped first).',
  }),
] as const;
