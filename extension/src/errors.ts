// One way every command reports a failure: the server's message, its fix_hint (the ResponseError data carries
// the `{error, message, fix_hint}` body), and "Show Logs" — plus "Restart Server" when the server is not ready.
// The same line goes to the output channel, so Show Logs has it too.
import * as vscode from 'vscode';
import type { ServerController } from './client';

export function errorText(err: unknown): { message: string; fixHint: string | null } {
  const e = err as { message?: string; data?: { fix_hint?: string } } | undefined;
  const message = e?.message ?? String(err);
  return { message, fixHint: e?.data?.fix_hint ?? null };
}

/** Show a failed command: "Agentora: <what> failed: <message> — Fix: <hint>" with Show Logs (and Restart Server). */
export async function showCommandError(server: ServerController, what: string, err: unknown): Promise<void> {
  const { message, fixHint } = errorText(err);
  const text = `Agentora: ${what} failed: ${message}${fixHint ? ` — Fix: ${fixHint}` : ''}`;
  server.output.error(text);
  const buttons = server.state === 'ready' ? ['Show Logs'] : ['Show Logs', 'Restart Server'];
  const pick = await vscode.window.showErrorMessage(text, ...buttons);
  if (pick === 'Show Logs') await vscode.commands.executeCommand('agentora.showLogs');
  if (pick === 'Restart Server') await server.restart();
}

/** Wrap a command handler so any failure is shown by showCommandError. */
export function guarded(server: ServerController, what: string, fn: () => unknown): () => Promise<void> {
  return async () => {
    try {
      await fn();
    } catch (err) {
      await showCommandError(server, what, err);
    }
  };
}
