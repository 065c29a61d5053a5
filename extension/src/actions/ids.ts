// Commands the Actions area contributes (no vscode import: the manifest test reads this list).
export const ACTIONS_COMMAND_IDS = [] as const;
