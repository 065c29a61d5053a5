// Commands the Actions area contributes (no vscode import: the manifest test reads this list).
export const ACTIONS_COMMAND_IDS = ['agentora.actions.showPending', 'agentora.actions.approve', 'agentora.actions.deny'] as const;
export type ActionsCommandId = (typeof ACTIONS_COMMAND_IDS)[number];

/** Scheme of the read-only virtual documents that show current vs proposed content of a write. */
export const PREVIEW_SCHEME = 'agentora-action';
