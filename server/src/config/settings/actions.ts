// Safe actions and workflows (security.md "Actions").
import { enumSetting, intSetting, listSetting, setting, strSetting } from '../define';

export const ACTION_MODES = ['auto_allow', 'ask_once', 'always_ask', 'deny'] as const;

export const actionSettings = [
  setting({
    scope: 'machine',
    key: 'actions.allowedPathRoots',
    env: 'AGENTORA_ALLOWED_PATH_ROOTS',
    schema: listSetting,
    default: [] as string[],
    description: 'Comma-separated folders actions may touch (empty: the open workspace folders; standalone: the folder the server started in).',
  }),
  setting({
    scope: 'machine',
    key: 'actions.blockedPathRoots',
    env: 'AGENTORA_BLOCKED_PATH_ROOTS',
    schema: listSetting,
    default: [] as string[],
    description: 'Folders actions may never touch, even inside an allowed root (e.g. ~/.ssh).',
  }),
  setting({
    scope: 'machine',
    key: 'actions.allowedDomains',
    env: 'AGENTORA_ALLOWED_DOMAINS',
    schema: listSetting,
    default: [] as string[],
    description: 'Domains browser actions may open, subdomains included (empty: any domain not blocked, still subject to approval).',
  }),
  setting({
    scope: 'machine',
    key: 'actions.blockedDomains',
    env: 'AGENTORA_BLOCKED_DOMAINS',
    schema: listSetting,
    default: [] as string[],
    description: 'Domains browser actions may never open, subdomains included (deny wins over every rule and approval).',
  }),
  setting({
    scope: 'machine',
    key: 'actions.allowedApps',
    env: 'AGENTORA_ALLOWED_APPS',
    schema: listSetting,
    default: [] as string[],
    description: 'Executables shell and app actions may run (names looked up on PATH, or absolute paths). Empty: no command may run.',
  }),
  setting({
    scope: 'machine',
    key: 'actions.requireApprovalDefault',
    env: 'AGENTORA_ACTION_REQUIRE_APPROVAL_DEFAULT',
    schema: enumSetting(ACTION_MODES),
    default: 'always_ask',
    description: 'What happens to an action no rule covers: auto_allow, ask_once (approval can be remembered), always_ask or deny.',
  }),
  setting({
    scope: 'machine',
    key: 'actions.toolDefaults',
    env: 'AGENTORA_ACTION_TOOL_DEFAULTS',
    schema: listSetting,
    default: [] as string[],
    description:
      'Per-tool defaults as tool=mode pairs, e.g. desktop_read_text=auto_allow,desktop_shell=always_ask (tools not listed use the default above).',
  }),
  setting({
    scope: 'machine',
    key: 'actions.commandTimeoutSeconds',
    env: 'AGENTORA_ACTION_TIMEOUT_SECONDS',
    schema: intSetting(1, 3600),
    default: 30,
    description: 'A shell/app/browser action is stopped after this many seconds.',
  }),
  setting({
    scope: 'machine',
    key: 'actions.outputCapBytes',
    env: 'AGENTORA_ACTION_OUTPUT_CAP_BYTES',
    schema: intSetting(1024, 16 * 1024 * 1024),
    default: 65536,
    description: 'Most bytes of output (per stream) an action result keeps; the rest is cut and flagged.',
  }),
  setting({
    scope: 'machine',
    key: 'actions.browserExecutable',
    env: 'AGENTORA_BROWSER_EXECUTABLE',
    schema: strSetting,
    default: '',
    description:
      'Chromium used (headless, via playwright-core) by browser actions. Empty: /usr/bin/chromium if it exists; "off": browser actions are refused.',
  }),
  setting({
    scope: 'machine',
    key: 'actions.maxActionSteps',
    env: 'AGENTORA_MAX_ACTION_STEPS',
    schema: intSetting(1, 10000),
    default: 25,
    description: 'Most actions one run may propose.',
  }),
  setting({
    key: 'workflows.maxDurationSeconds',
    env: 'AGENTORA_MAX_WORKFLOW_DURATION_SECONDS',
    schema: intSetting(1, 86400),
    default: 900,
    description:
      'A workflow run fails after this many seconds (the value when the run is created; time it is paused, waits for an approval or sits failed does not count).',
  }),
] as const;
