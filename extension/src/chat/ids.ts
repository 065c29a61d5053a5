// Commands the Chat area contributes (no vscode import: the manifest test reads this list).
export const CHAT_COMMAND_IDS = ['agentora.chat.askAboutSelection', 'agentora.chat.askAboutFile', 'agentora.chat.newChat'] as const;
export type ChatCommandId = (typeof CHAT_COMMAND_IDS)[number];
