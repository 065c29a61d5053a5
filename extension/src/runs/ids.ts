// Commands the Runs area contributes (no vscode import: the manifest test reads this list).
export const RUNS_COMMAND_IDS = ['agentora.openRunReport'] as const;
export type RunsCommandId = (typeof RUNS_COMMAND_IDS)[number];
