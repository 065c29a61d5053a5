// "Agentora: Open Studio in Browser". On a desktop VS Code the studio URL is opened as is. In code-server / VS Code
// for the Web the browser cannot reach the server's loopback port, so the URL goes through
// vscode.env.asExternalUri (e.g. https://host/proxy/8088/?token=…); the server is told, over this private
// connection, to accept that one forwarded origin (its HTTP guard refuses every other foreign host).
import * as vscode from 'vscode';
import { M, type ServerController } from '../client';

export async function openStudio(server: ServerController): Promise<void> {
  const info = await server.call(M.system.connectionInfo, {});
  if (!info.studio_url) {
    const pick = await vscode.window.showErrorMessage(`Agentora: the HTTP API is not running: ${info.http_error ?? 'disabled (agentora.server.httpEnabled)'}`, 'Show Logs');
    if (pick) await vscode.commands.executeCommand('agentora.showLogs');
    return;
  }
  const local = vscode.Uri.parse(info.studio_url, true);
  const external = await vscode.env.asExternalUri(local);
  if (external.authority !== local.authority) {
    await server.call(M.system.trustEditorOrigin, { origin: `${external.scheme}://${external.authority}` });
  }
  // The token rides in the query; asExternalUri keeps the path prefix it added (…/proxy/<port>/) and our query.
  const target = external.query ? external : external.with({ query: local.query });
  server.output.info(`opening the studio at ${target.with({ query: 'token=***' }).toString(true)}`);
  await vscode.env.openExternal(target);
}
