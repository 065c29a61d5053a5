// How tests (and the server under test) spawn the fake PhiOS MCP server: plain `node` with tsx's loader given by
// absolute URL, so it works from any cwd and needs no build step.
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const PHIOS_MCP_FAKE = path.join(__dirname, 'phios-mcp.ts');

export function phiosMcpCommand(): { command: string; args: string[] } {
  const tsx = pathToFileURL(require.resolve('tsx')).href;
  return { command: process.execPath, args: ['--import', tsx, PHIOS_MCP_FAKE] };
}

/** The same as AGENTORA_PHIOS_COMMAND / AGENTORA_PHIOS_ARGS values for a server started by the tests. */
export function phiosMcpEnv(extra: Record<string, string> = {}): Record<string, string> {
  const { command, args } = phiosMcpCommand();
  const pairs = Object.entries(extra)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return {
    AGENTORA_PHIOS_TRANSPORT: 'mcp-stdio',
    AGENTORA_PHIOS_COMMAND: command,
    AGENTORA_PHIOS_ARGS: args.join(','),
    ...(pairs ? { AGENTORA_PHIOS_ENV: pairs } : {}),
  };
}
