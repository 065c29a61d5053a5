// Commands the Memory area contributes (no vscode import: the manifest test reads this list).
export const MEMORY_COMMAND_IDS = ['agentora.searchMemory', 'agentora.addMemoryFromSelection', 'agentora.runMemoryMaintenance'] as const;
export type MemoryCommandId = (typeof MEMORY_COMMAND_IDS)[number];
