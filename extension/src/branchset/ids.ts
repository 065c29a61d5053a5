// Commands the Branch-set area contributes (no vscode import: the manifest test reads this list).
export const BRANCHSET_COMMAND_IDS = ['agentora.openBranchSet'] as const;
export type BranchSetCommandId = (typeof BRANCHSET_COMMAND_IDS)[number];
