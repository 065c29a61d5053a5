// The extension's path without the editor: the built language server (dist/server/main.js) over stdio, spoken
// to with vscode-jsonrpc, initialized with a temp data dir and the given client settings. Always stop() it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { ROOT } from './server';

export interface LspServer {
  conn: MessageConnection;
  proc: ChildProcess;
  dataDir: string;
  /** The `initialize` result (serverInfo, capabilities). */
  init: { serverInfo: { name: string; version?: string } };
  stop(): Promise<void>;
}

/** `beforeListen` registers notification handlers before any message can arrive. */
export async function startLspServer(
  settings: Record<string, unknown>,
  beforeListen: (conn: MessageConnection) => void = () => undefined,
): Promise<LspServer> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'agentora-lsp-'));
  const proc = spawn(process.execPath, [path.join(ROOT, 'dist/server/main.js'), '--stdio'], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH, HOME: dataDir },
  });
  const conn = createMessageConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
  beforeListen(conn);
  conn.listen();
  const init = (await conn.sendRequest('initialize', {
    processId: process.pid,
    rootUri: null,
    capabilities: {},
    initializationOptions: { dataDir, settings },
  })) as LspServer['init'];
  await conn.sendNotification('initialized', {});
  return {
    conn,
    proc,
    dataDir,
    init,
    async stop() {
      await conn.sendRequest('shutdown').catch(() => undefined);
      await conn.sendNotification('exit').catch(() => undefined);
      conn.dispose();
      proc.kill();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
