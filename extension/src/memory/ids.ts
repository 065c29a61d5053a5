// Commands the Memory area contributes (no vscode import: the manifest test reads this list).
export const MEMORY_COMMAND_IDS = [] as const;
