// Safe actions and workflows (security.md "Actions").
import { enumSetting, intSetting, listSetting, setting } from '../define';

export const actionSettings = [
  setting({ key: 'actions.allowedPathRoots', env: 'AGENTORA_ALLOWED_PATH_ROOTS', schema: listSetting, default: [] as string[],
    description: 'Comma-separated folders actions may touch (empty: the open workspace folders).' }),
  setting({ key: 'actions.blockedPathRoots', env: 'AGENTORA_BLOCKED_PATH_ROOTS', schema: listSetting, default: [] as string[],
    description: 'Folders actions may never touch, even inside an allowed root (e.g. ~/.ssh).' }),
  setting({ key: 'actions.allowedDomains', env: 'AGENTORA_ALLOWED_DOMAINS', schema: listSetting, default: [] as string[],
    description: 'Domains browser actions may open (empty: ask for every domain).' }),
  setting({ key: 'actions.allowedApps', env: 'AGENTORA_ALLOWED_APPS', schema: listSetting, default: [] as string[],
    description: 'Executables shell and app actions may run.' }),
  setting({ key: 'actions.requireApprovalDefault', env: 'AGENTORA_ACTION_REQUIRE_APPROVAL_DEFAULT', schema: enumSetting(['auto_allow', 'ask_once', 'always_ask', 'deny'] as const), default: 'always_ask',
    description: 'What happens to an action no rule covers.' }),
  setting({ key: 'actions.maxActionSteps', env: 'AGENTORA_MAX_ACTION_STEPS', schema: intSetting(1, 10000), default: 25,
    description: 'Most actions one run may propose.' }),
  setting({ key: 'workflows.maxDurationSeconds', env: 'AGENTORA_MAX_WORKFLOW_DURATION_SECONDS', schema: intSetting(1, 86400), default: 900,
    description: 'A workflow run fails after this many seconds.' }),
] as const;
