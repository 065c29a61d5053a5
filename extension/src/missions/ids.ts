// Commands the Missions area contributes (no vscode import: the manifest test reads this list).
export const MISSIONS_COMMAND_IDS = [] as const;
