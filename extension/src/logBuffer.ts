// Every line written to the "Agentora" output channel — the extension's own and the server's (the language client
// writes `window/logMessage` lines as "[Error - time] …") — is also kept here (the last MAX_LINES), so "Show
// Logs" can open them as a read-only `agentora:` document that follows along. Reason: in code-server the
// extension host's file-backed output channels can stay empty (issue 10, defect 6); this view does not depend on them.
import * as vscode from 'vscode';

const MAX_LINES = 5000;
const LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;

export class LogBuffer {
  private readonly lines: string[] = [];
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private pending: NodeJS.Timeout | undefined;

  add(level: string, text: string): void {
    const stamp = new Date().toISOString();
    for (const line of text.replace(/\r?\n$/, '').split(/\r?\n/)) this.lines.push(`${stamp} [${level}] ${line}`);
    if (this.lines.length > MAX_LINES) this.lines.splice(0, this.lines.length - MAX_LINES);
    // Coalesce bursts: one refresh of an open view per 200 ms at most.
    this.pending ??= setTimeout(() => {
      this.pending = undefined;
      this.changed.fire();
    }, 200);
  }

  text(): string {
    return this.lines.length ? this.lines.join('\n') + '\n' : 'No log lines yet.\n';
  }
}

/** The output channel, recording every line it is given into `buffer` (with its level) before passing it on. */
export function recordingChannel(channel: vscode.LogOutputChannel, buffer: LogBuffer): vscode.LogOutputChannel {
  return new Proxy(channel, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      if (prop === 'append' || prop === 'appendLine') {
        return (text: string) => {
          // The language client's lines carry their level: "[Error - 07:00:00] …".
          const m = /^\[(Error|Warn|Info|Debug|Trace)\s*-/.exec(text);
          buffer.add(m ? m[1]!.toLowerCase() : 'info', text);
          return value.call(target, text);
        };
      }
      if ((LEVELS as readonly string[]).includes(prop as string)) {
        return (message: string | Error, ...args: unknown[]) => {
          buffer.add(prop as string, message instanceof Error ? (message.stack ?? message.message) : message);
          return value.call(target, message, ...args);
        };
      }
      return value.bind(target);
    },
  });
}
