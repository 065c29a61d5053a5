// Actions area contract: the tool catalogue (each tool's params, risk class and path-like params), the approval
// queue (propose → pending → approved/denied → executed/failed), policy rules, remembered grants, and the one
// notification every state change emits. REST routes follow ../../../../shared/brief/http-api.md "Actions".
import { z } from 'zod';
import { defineMethod, defineNotification, NoParams, pagination, zBool, zInt } from './define';
import * as W from './wire/actions';

// ---------------------------------------------------------------- tool catalogue

export const ToolName = z.enum([
  'desktop_list_dir',
  'desktop_read_text',
  'desktop_write_text',
  'desktop_move',
  'desktop_copy',
  'desktop_rename',
  'desktop_run_app',
  'desktop_shell',
  'browser_open_url',
  'browser_extract_text',
  'browser_page_summary',
  'browser_download',
  'browser_navigate',
  'browser_search',
  'browser_click',
  'browser_fill_form',
  'workflow_gate',
]);
export type ToolName = z.infer<typeof ToolName>;

export const RiskClass = z.enum(['read', 'write', 'execute', 'network']);
export type RiskClass = z.infer<typeof RiskClass>;

const pathStr = z
  .string()
  .min(1)
  .max(4096)
  .refine((s) => !s.includes('\0'), 'must not contain NUL');
const url = z.string().min(1).max(4096);
const arg = z
  .string()
  .max(8192)
  .refine((s) => !s.includes('\0'), 'must not contain NUL');
const selector = z.string().min(1).max(1000);

const argvParams = z
  .object({
    argv: z.array(arg).min(1).max(256).optional(),
    /** Convenience for callers of the old API: split into argv with simple quoting rules, never given to a shell. */
    command: z.string().min(1).max(8192).optional(),
    cwd: pathStr.optional(),
  })
  .strict()
  .refine((p) => (p.argv ? 1 : 0) + (p.command ? 1 : 0) === 1, { message: 'give exactly one of argv or command', path: ['argv'] });

/** Params of every tool. Unknown params are refused (`.strict()`), so a typo cannot slip past the policy. */
export const TOOL_PARAMS = {
  desktop_list_dir: z.object({ path: pathStr }).strict(),
  desktop_read_text: z
    .object({
      path: pathStr,
      max_bytes: z
        .number()
        .int()
        .min(1)
        .max(16 * 1024 * 1024)
        .default(1024 * 1024),
    })
    .strict(),
  desktop_write_text: z.object({ path: pathStr, content: z.string().max(16 * 1024 * 1024), overwrite: z.boolean().default(true) }).strict(),
  desktop_move: z.object({ src: pathStr, dst: pathStr, overwrite: z.boolean().default(false) }).strict(),
  desktop_copy: z.object({ src: pathStr, dst: pathStr, overwrite: z.boolean().default(false) }).strict(),
  desktop_rename: z
    .object({
      path: pathStr,
      new_name: z
        .string()
        .min(1)
        .max(255)
        .refine((s) => !/[/\\\0]/.test(s) && s !== '.' && s !== '..', 'must be a plain file name'),
    })
    .strict(),
  desktop_run_app: z.object({ app: arg.min(1), args: z.array(arg).max(256).default([]), cwd: pathStr.optional() }).strict(),
  desktop_shell: argvParams,
  browser_open_url: z.object({ url }).strict(),
  browser_extract_text: z.object({ url, selector: selector.optional() }).strict(),
  browser_page_summary: z.object({ url }).strict(),
  browser_download: z.object({ url, output_path: pathStr, overwrite: z.boolean().default(false) }).strict(),
  browser_navigate: z.object({ url }).strict(),
  browser_search: z.object({ query: z.string().min(1).max(1000), search_url: url.default('https://duckduckgo.com/html/?q={query}') }).strict(),
  browser_click: z.object({ url, selector }).strict(),
  browser_fill_form: z
    .object({
      url,
      fields: z
        .array(z.object({ selector, value: z.string().max(10000) }).strict())
        .min(1)
        .max(50),
      submit_selector: selector.optional(),
    })
    .strict(),
  workflow_gate: z
    .object({ workflow_run_id: z.number().int(), position: z.number().int(), step: z.string().max(200), message: z.string().max(10000).default('') })
    .strict(),
} satisfies Record<ToolName, z.ZodType>;

export interface ToolInfo {
  risk: RiskClass;
  action_class: 'desktop' | 'browser' | 'workflow';
  /** Params that name files or folders; every one is checked after realpath. */
  path_params: readonly string[];
  /** Params that are URLs; every one is checked for scheme and domain. */
  url_params: readonly string[];
  description: string;
}

export const TOOLS: Record<ToolName, ToolInfo> = {
  desktop_list_dir: { risk: 'read', action_class: 'desktop', path_params: ['path'], url_params: [], description: 'List a folder.' },
  desktop_read_text: { risk: 'read', action_class: 'desktop', path_params: ['path'], url_params: [], description: 'Read a text file.' },
  desktop_write_text: { risk: 'write', action_class: 'desktop', path_params: ['path'], url_params: [], description: 'Write a text file.' },
  desktop_move: { risk: 'write', action_class: 'desktop', path_params: ['src', 'dst'], url_params: [], description: 'Move a file or folder.' },
  desktop_copy: { risk: 'write', action_class: 'desktop', path_params: ['src', 'dst'], url_params: [], description: 'Copy a file or folder.' },
  desktop_rename: {
    risk: 'write',
    action_class: 'desktop',
    path_params: ['path', 'new_name'],
    url_params: [],
    description: 'Rename a file or folder in place.',
  },
  desktop_run_app: {
    risk: 'execute',
    action_class: 'desktop',
    path_params: ['cwd'],
    url_params: [],
    description: 'Run an allowed program (argv, no shell).',
  },
  desktop_shell: {
    risk: 'execute',
    action_class: 'desktop',
    path_params: ['cwd'],
    url_params: [],
    description: 'Run an allowed command (argv, no shell).',
  },
  browser_open_url: {
    risk: 'network',
    action_class: 'browser',
    path_params: [],
    url_params: ['url'],
    description: 'Open a page in the headless browser.',
  },
  browser_extract_text: {
    risk: 'network',
    action_class: 'browser',
    path_params: [],
    url_params: ['url'],
    description: 'Extract the text of a page (or of a selector).',
  },
  browser_page_summary: {
    risk: 'network',
    action_class: 'browser',
    path_params: [],
    url_params: ['url'],
    description: 'Title, description, headings and an excerpt of a page.',
  },
  browser_download: {
    risk: 'write',
    action_class: 'browser',
    path_params: ['output_path'],
    url_params: ['url'],
    description: 'Download a URL into an allowed folder.',
  },
  browser_navigate: {
    risk: 'network',
    action_class: 'browser',
    path_params: [],
    url_params: ['url'],
    description: 'Navigate to a page and report where it landed.',
  },
  browser_search: {
    risk: 'network',
    action_class: 'browser',
    path_params: [],
    url_params: ['search_url'],
    description: 'Search the web (search_url with {query}).',
  },
  browser_click: { risk: 'network', action_class: 'browser', path_params: [], url_params: ['url'], description: 'Open a page and click an element.' },
  browser_fill_form: {
    risk: 'network',
    action_class: 'browser',
    path_params: [],
    url_params: ['url'],
    description: 'Open a page, fill fields and optionally submit.',
  },
  workflow_gate: {
    risk: 'execute',
    action_class: 'workflow',
    path_params: [],
    url_params: [],
    description: 'A workflow run waits for the operator (an approval gate, or a step that requires approval); approving it continues the run.',
  },
};

export const ActionMode = z.enum(['auto_allow', 'ask_once', 'always_ask', 'deny']);
export type ActionMode = z.infer<typeof ActionMode>;

export const ToolEntry = z.object({
  tool_name: ToolName,
  risk: RiskClass,
  action_class: z.string(),
  path_params: z.array(z.string()),
  url_params: z.array(z.string()),
  description: z.string(),
  default_mode: ActionMode,
  params_schema: z.record(z.string(), z.unknown()),
});

// ---------------------------------------------------------------- actions

// executing: committed before the side effect starts. interrupted: the server stopped while it was executing
// (or after approval, before it started); the result says what is known. Neither is ever re-run.
export const ActionStatus = z.enum(['pending', 'approved', 'denied', 'executing', 'executed', 'failed', 'interrupted']);
export type ActionStatus = z.infer<typeof ActionStatus>;
export const PolicyDecision = z.enum(['auto_allow', 'ask', 'deny']);
export type PolicyDecision = z.infer<typeof PolicyDecision>;

export const ScopePreview = z.object({
  /** Every path the action touches, after realpath (the nearest existing parent for new files). */
  paths: z.array(z.string()),
  argv: z.array(z.string()).nullable(),
  executable: z.string().nullable(),
  cwd: z.string().nullable(),
  urls: z.array(z.string()),
  domains: z.array(z.string()),
  bytes: z.number().int().nullable(),
});
export type ScopePreview = z.infer<typeof ScopePreview>;

export const ActionItem = z.object({
  id: z.number().int(),
  run_id: z.string().nullable(),
  agent_id: z.string().nullable(),
  subgoal_id: z.string().nullable(),
  action_class: z.string(),
  tool_name: ToolName,
  risk: RiskClass,
  params: z.record(z.string(), z.unknown()),
  summary: z.string(),
  policy_decision: PolicyDecision,
  policy_rule: z.string().nullable(),
  status: ActionStatus,
  requires_approval: z.boolean(),
  approval_reason: z.string(),
  /** ask_once tools: the operator may remember an approval ("Always allow") for the session or workspace. */
  can_remember: z.boolean(),
  scope_preview: ScopePreview,
  requested_worker: z.string().nullable(),
  decided_by: z.string().nullable(),
  decision_reason: z.string().nullable(),
  result: z.unknown().nullable(),
  error: z.string().nullable(),
  /** When execution started (status executing and after); null before. */
  started_at: z.string().nullable().optional(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type ActionItem = z.infer<typeof ActionItem>;

const optId = z
  .union([z.string().max(200), z.number().transform(String)])
  .nullable()
  .optional();

export const ProposeParams = z.object({
  run_id: optId,
  agent_id: optId,
  subgoal_id: optId,
  action_class: z.enum(['desktop', 'browser']).optional(),
  tool_name: ToolName,
  params: z.record(z.string(), z.unknown()).default({}),
  requested_worker: z.string().max(200).nullable().optional(),
});

export const propose = defineMethod({
  method: 'agentora/actions/propose',
  scope: 'agent',
  description: 'Propose an action. Policy decides at once: auto_allow executes now, ask queues it for approval, deny records it as denied.',
  params: ProposeParams,
  result: ActionItem,
  rest: { verb: 'POST', path: '/api/actions', wire: W.propose },
});

export const listPending = defineMethod({
  method: 'agentora/actions/listPending',
  description: 'Actions waiting for an operator decision, oldest first.',
  params: z.object(pagination(100, 500)).default({ limit: 100, offset: 0 }),
  result: z.object({ items: z.array(ActionItem), total: z.number().int() }),
  rest: { verb: 'GET', path: '/api/actions/pending', wire: W.pending },
  readOnly: true,
});

export const Execution = z.object({
  id: z.number().int(),
  action_id: z.number().int(),
  ok: z.boolean(),
  started_at: z.string(),
  finished_at: z.string(),
  duration_ms: z.number().int(),
  result: z.unknown().nullable(),
  error: z.string().nullable(),
});

export const AuditEntry = z.object({
  id: z.number().int(),
  action_id: z.number().int().nullable(),
  event: z.string(),
  actor: z.string(),
  transport: z.string(),
  reason: z.string().nullable(),
  rule: z.string().nullable(),
  scope_preview: z.unknown().nullable(),
  at: z.string(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const history = defineMethod({
  method: 'agentora/actions/history',
  description: 'Decided actions (newest first), their executions and the audit log.',
  params: z.object({ ...pagination(50, 500), status: ActionStatus.optional(), run_id: z.string().optional() }).default({ limit: 50, offset: 0 }),
  result: z.object({ items: z.array(ActionItem), executions: z.array(Execution), approval_history: z.array(AuditEntry), total: z.number().int() }),
  rest: { verb: 'GET', path: '/api/actions/history', wire: W.history },
  readOnly: true,
});

const IdParam = { id: zInt.pipe(z.number().int().min(1)) };

export const get = defineMethod({
  method: 'agentora/actions/get',
  scope: 'agent',
  description: 'One action.',
  params: z.object(IdParam),
  result: ActionItem,
  rest: { verb: 'GET', path: '/api/actions/:id' },
  readOnly: true,
});

export const approve = defineMethod({
  method: 'agentora/actions/approve',
  description: 'Approve a pending action and execute it, exactly once. remember (ask_once tools) records an "Always allow" grant.',
  params: z.object({ ...IdParam, reason: z.string().max(2000).default(''), remember: z.enum(['session', 'workspace']).optional() }),
  result: ActionItem,
  rest: { verb: 'POST', path: '/api/actions/:id/approve', wire: W.approve },
});

export const deny = defineMethod({
  method: 'agentora/actions/deny',
  description: 'Deny a pending action; nothing is executed.',
  params: z.object({ ...IdParam, reason: z.string().max(2000).default('') }),
  result: ActionItem,
  rest: { verb: 'POST', path: '/api/actions/:id/deny', wire: W.deny },
});

export const Preview = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('write'), path: z.string(), exists: z.boolean(), current: z.string(), proposed: z.string() }),
  z.object({
    kind: z.literal('command'),
    argv: z.array(z.string()),
    executable: z.string().nullable(),
    cwd: z.string().nullable(),
    display: z.string(),
  }),
  z.object({ kind: z.literal('other'), text: z.string() }),
]);

export const preview = defineMethod({
  method: 'agentora/actions/preview',
  scope: 'agent',
  description: 'What exactly an action would do: current vs proposed content for writes, the full argv for commands.',
  params: z.object(IdParam),
  result: Preview,
  rest: { verb: 'GET', path: '/api/actions/:id/preview' },
  readOnly: true,
});

export const tools = defineMethod({
  method: 'agentora/actions/tools',
  scope: 'agent',
  description: 'The tool catalogue with risk classes, path-like params and the default mode of each tool.',
  params: NoParams,
  result: z.object({ items: z.array(ToolEntry) }),
  rest: { verb: 'GET', path: '/api/actions/tools' },
  readOnly: true,
});

export const PolicyInfo = z.object({
  allowed_roots: z.array(z.string()),
  roots_source: z.enum(['setting', 'workspace', 'cwd']),
  blocked_roots: z.array(z.string()),
  allowed_domains: z.array(z.string()),
  blocked_domains: z.array(z.string()),
  allowed_apps: z.array(z.string()),
  default_mode: ActionMode,
  tool_defaults: z.record(z.string(), ActionMode),
  browser: z.object({ available: z.boolean(), executable: z.string().nullable(), reason: z.string() }),
});

export const policy = defineMethod({
  method: 'agentora/actions/policy',
  scope: 'agent',
  description: 'The effective policy: roots, domains, executables, defaults, browser availability.',
  params: NoParams,
  result: PolicyInfo,
  rest: { verb: 'GET', path: '/api/actions/policy' },
  readOnly: true,
});

export const setWorkspaceFolders = defineMethod({
  method: 'agentora/actions/setWorkspaceFolders',
  scope: 'editor',
  description: 'Sent by the extension on start and whenever folders change: the default allowed roots.',
  params: z.object({ folders: z.array(pathStr).max(100) }),
  result: z.object({ ok: z.boolean(), folders: z.array(z.string()) }),
});

// ---------------------------------------------------------------- rules

/** One argv element of a command rule: the exact text, or a glob whose `*` never matches shell metacharacters or spaces. */
export const ArgMatcher = z.union([z.object({ exact: arg }).strict(), z.object({ pattern: z.string().min(1).max(1000) }).strict()]);
export type ArgMatcher = z.infer<typeof ArgMatcher>;

export const RuleEffect = z.enum(['allow', 'ask', 'deny']);

export const RuleInput = z
  .object({
    name: z.string().min(1).max(200),
    tool_name: z.union([ToolName, z.literal('*')]),
    effect: RuleEffect,
    /** Matches only when every path the action touches is inside this folder (realpath'd at save). */
    path_root: pathStr.nullable().optional(),
    /** Matches only commands whose argv has exactly this many elements, each matching. */
    argv: z.array(ArgMatcher).min(1).max(64).nullable().optional(),
    /** Matches only when every URL's host is this domain or a subdomain of it. */
    domain: z
      .string()
      .min(1)
      .max(253)
      .regex(/^[a-z0-9.-]+$/i, 'must be a domain name')
      .nullable()
      .optional(),
    enabled: z.boolean().default(true),
  })
  .strict();

export const Rule = z.object({
  id: z.number().int(),
  name: z.string(),
  tool_name: z.string(),
  effect: RuleEffect,
  path_root: z.string().nullable(),
  argv: z.array(ArgMatcher).nullable(),
  domain: z.string().nullable(),
  enabled: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type Rule = z.infer<typeof Rule>;

export const listRules = defineMethod({
  method: 'agentora/actions/listRules',
  description: 'Policy rules, in id order.',
  params: z.object({ include_disabled: zBool.default(true) }).default({ include_disabled: true }),
  result: z.object({ items: z.array(Rule) }),
  rest: { verb: 'GET', path: '/api/actions/rules' },
  readOnly: true,
});

export const createRule = defineMethod({
  method: 'agentora/actions/createRule',
  description: 'Create a policy rule.',
  params: RuleInput,
  result: Rule,
  rest: { verb: 'POST', path: '/api/actions/rules', status: 201 },
});

export const updateRule = defineMethod({
  method: 'agentora/actions/updateRule',
  description: 'Change a rule (any field of the create form; enabled=false disables it).',
  params: RuleInput.partial().extend(IdParam).strict(),
  result: Rule,
  rest: [
    { verb: 'PATCH', path: '/api/actions/rules/:id' },
    { verb: 'POST', path: '/api/actions/rules/:id' },
  ],
});

export const deleteRule = defineMethod({
  method: 'agentora/actions/deleteRule',
  description: 'Delete a rule.',
  params: z.object(IdParam),
  result: z.object({ ok: z.boolean(), id: z.number().int() }),
  rest: { verb: 'DELETE', path: '/api/actions/rules/:id' },
});

// ---------------------------------------------------------------- grants ("Always allow")

export const Grant = z.object({
  id: z.number().int(),
  tool_name: ToolName,
  scope: z.enum(['session', 'workspace']),
  /** What exactly is allowed: the path(s), the argv and cwd, or the domain. */
  match_key: z.string(),
  summary: z.string(),
  created_by: z.string(),
  created_at: z.string(),
  action_id: z.number().int().nullable(),
});
export type Grant = z.infer<typeof Grant>;

export const listGrants = defineMethod({
  method: 'agentora/actions/listGrants',
  description: 'Remembered approvals that apply now (this session, this workspace).',
  params: NoParams,
  result: z.object({ items: z.array(Grant) }),
  rest: { verb: 'GET', path: '/api/actions/grants' },
  readOnly: true,
});

export const revokeGrant = defineMethod({
  method: 'agentora/actions/revokeGrant',
  description: 'Forget a remembered approval.',
  params: z.object(IdParam),
  result: z.object({ ok: z.boolean(), id: z.number().int() }),
  rest: [
    { verb: 'DELETE', path: '/api/actions/grants/:id' },
    { verb: 'POST', path: '/api/actions/grants/:id/revoke' },
  ],
});

// ---------------------------------------------------------------- notification

export const didChange = defineNotification({
  name: 'agentora/actions/didChange',
  description: 'Sent on every state change of an action, rule or grant, with the number of pending approvals.',
  payload: z.object({
    kind: z.enum(['action', 'rule', 'grant', 'policy']),
    action: ActionItem.nullable(),
    pending_count: z.number().int(),
  }),
});

export const actionsMethods = [
  propose,
  listPending,
  history,
  tools,
  policy,
  listRules,
  createRule,
  updateRule,
  deleteRule,
  listGrants,
  revokeGrant,
  get,
  approve,
  deny,
  preview,
  setWorkspaceFolders,
] as const;
export const actionsNotifications = [didChange] as const;
