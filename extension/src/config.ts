// The extension's only reader of settings: the `agentora.*` values the user set explicitly (so environment
// variables still apply where the user set nothing), plus secrets from SecretStorage.
import * as vscode from 'vscode';

export const SECRET_KEYS = ['phios.apiKey', 'agentception.apiKey', 'missions.mcpApiKey', 'missions.exportSigningKey'] as const;

export async function readSettings(context: vscode.ExtensionContext): Promise<Record<string, unknown>> {
  const cfg = vscode.workspace.getConfiguration('agentora');
  const props = (context.extension.packageJSON.contributes?.configuration?.properties ?? {}) as Record<string, { scope?: string }>;
  const out: Record<string, unknown> = {};
  for (const [full, decl] of Object.entries(props)) {
    const key = full.replace(/^agentora\./, '');
    if (key.startsWith('server.runtime')) continue; // extension-side only
    const i = cfg.inspect(key);
    // Machine-scoped settings (programs, doors, the action policy) count only from the user's own settings: a
    // cloned repository's .vscode/settings.json must not loosen them.
    const v = decl.scope === 'machine' ? i?.globalValue : (i?.workspaceFolderValue ?? i?.workspaceValue ?? i?.globalValue);
    if (v !== undefined) out[key] = v;
  }
  for (const key of SECRET_KEYS) {
    const v = await context.secrets.get(`agentora.${key}`);
    if (v) out[key] = v;
  }
  return out;
}

export function runtime(): string {
  return vscode.workspace.getConfiguration('agentora').get<string>('server.runtime') || 'node';
}
