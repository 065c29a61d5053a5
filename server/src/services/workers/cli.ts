// `agentora worker …` and `agentora worker-token …` (dispatched from server/src/cli.ts).
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../config';
import { privateFile } from '../../config/dataDir';
import { openDatabase } from '../../store/db';
import { JOB_TYPES, type JobType } from '../../protocol/workers';
import { AllowEntry } from '../../protocol/workersActions';
import { runWorker } from './process';
import { certificateFingerprint, isLoopback } from './tls';
import { tokenStore, workerCommandLine } from './tokens';

const TOKEN_HELP = `Usage:
  agentora worker-token create --name NAME [--allow-actions tool,…] [--data-dir DIR]   issue a worker token (printed once)
  agentora worker-token list [--data-dir DIR]
Revoking a token ends its leases at once only through the server (Workers panel, or DELETE /api/workers/tokens/{id}).`;

const WORKER_HELP = `Usage:
  agentora worker --server URL --token TOKEN [--name NAME] [--capabilities model_chat,model_embed,…] [--concurrency N]
                  [--allow-actions tool|class,…] [--fingerprint SHA256]
  --allow-actions (or AGENTORA_WORKER_ALLOW_ACTIONS): action tools this machine runs, by name or class (read, write,
  execute, network, desktop); none by default. The operator must allow them for this worker's token too, and this
  machine's own AGENTORA_ALLOWED_PATH_ROOTS / AGENTORA_ALLOWED_APPS still apply.
  An https server (one bound to a network address) needs --fingerprint (or AGENTORA_WORKER_FINGERPRINT): the
  SHA-256 of its certificate, printed by \`agentora worker-token create\`; any other certificate is refused.
  The token may come from AGENTORA_WORKER_TOKEN instead (keeps it out of the process list), the server from
  AGENTORA_WORKER_SERVER. Model jobs use this machine's Ollama: AGENTORA_OLLAMA_URL (default http://127.0.0.1:11434),
  AGENTORA_OLLAMA_CHAT_MODEL / AGENTORA_OLLAMA_EMBED_MODEL; AGENTORA_USE_MOCK_OLLAMA=true for the mock.
  Capabilities: ${JOB_TYPES.join(', ')}.`;

const list = (s: string | undefined) =>
  (s ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

export async function workerTokenCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { name: { type: 'string' }, 'allow-actions': { type: 'string' }, 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const sub = positionals[0];
  if (values.help || !sub) return void process.stdout.write(TOKEN_HELP + '\n');
  const config = loadConfig({ overrides: values['data-dir'] ? { dataDir: values['data-dir'] } : {} });
  const db = openDatabase(privateFile(path.join(config.dataDir, 'agentora.db')));
  try {
    const tokens = tokenStore(db);
    if (sub === 'create') {
      const name = values.name?.trim();
      if (!name || /[\r\n\0]/.test(name) || name.length > 100) {
        process.stderr.write('worker-token create needs --name NAME (one line, at most 100 characters)\n');
        process.exitCode = 64;
        return;
      }
      const { item, token } = tokens.create(name, list(values['allow-actions']));
      process.stderr.write(`Worker token #${item.id} '${item.name}' (shown once; only its hash is stored):\n`);
      process.stdout.write(token + '\n');
      // The server's certificate exists once it served HTTPS on a non-loopback bind: the worker pins it.
      const fingerprint = isLoopback(config['server.host']) || config['workers.allowInsecureHttp'] ? null : certificateFingerprint(config.dataDir);
      if (fingerprint) process.stdout.write(`fingerprint ${fingerprint}\n`);
      else if (!isLoopback(config['server.host']) && !config['workers.allowInsecureHttp'])
        process.stderr.write(
          '(no certificate yet: start the server once on its network address, then run `agentora worker-token list` for the fingerprint)\n',
        );
      const apiUrl = fingerprint ? config['server.apiUrl'].replace(/^http:/, 'https:') : config['server.apiUrl'];
      process.stderr.write(`On the worker machine: ${workerCommandLine(apiUrl, fingerprint)}\n`);
      return;
    }
    if (sub === 'list') {
      const fp = certificateFingerprint(config.dataDir);
      if (fp) process.stdout.write(`server certificate fingerprint ${fp}\n`);
      for (const t of tokens.list())
        process.stdout.write(`#${t.id}\t${t.name}\t${t.prefix}…\t${t.revoked_at ? `revoked ${t.revoked_at}` : `created ${t.created_at}`}\n`);
      return;
    }
    process.stderr.write(`Unknown worker-token command '${sub}'.\n\n${TOKEN_HELP}\n`);
    process.exitCode = 64;
  } finally {
    db.close();
  }
}

export async function workerCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      server: { type: 'string' },
      token: { type: 'string' },
      name: { type: 'string' },
      capabilities: { type: 'string' },
      concurrency: { type: 'string' },
      'allow-actions': { type: 'string' },
      fingerprint: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return void process.stdout.write(WORKER_HELP + '\n');
  const server = values.server ?? process.env.AGENTORA_WORKER_SERVER;
  const token = values.token ?? process.env.AGENTORA_WORKER_TOKEN;
  if (!server || !token) {
    process.stderr.write(`agentora worker needs --server URL and --token TOKEN (or AGENTORA_WORKER_TOKEN).\n\n${WORKER_HELP}\n`);
    process.exit(64);
  }
  const allowActions = list(values['allow-actions'] ?? process.env.AGENTORA_WORKER_ALLOW_ACTIONS);
  const badAllow = allowActions.filter((a) => !AllowEntry.safeParse(a).success);
  if (badAllow.length) {
    process.stderr.write(`--allow-actions: unknown entries ${badAllow.join(', ')} (tool names, read, write, execute, network, desktop, browser)\n`);
    process.exit(64);
  }
  const caps = list(values.capabilities ?? 'model_chat,model_embed,team_step,workflow_model_call,memory_maintenance');
  // Allowing action tools here means taking action jobs (the operator must allow them on the server too).
  if (allowActions.length && !caps.includes('action')) caps.push('action');
  const bad = caps.filter((c) => !(JOB_TYPES as readonly string[]).includes(c));
  if (bad.length) {
    process.stderr.write(`Unknown capabilities: ${bad.join(', ')} (known: ${JOB_TYPES.join(', ')})\n`);
    process.exit(64);
  }
  const concurrency = Number(values.concurrency ?? '1');
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    process.stderr.write('--concurrency must be an integer from 1 to 64\n');
    process.exit(64);
  }
  await runWorker({
    server: server.replace(/\/+$/, ''),
    token,
    name: values.name ?? (await import('node:os')).hostname(),
    capabilities: caps as JobType[],
    concurrency,
    allowActions,
    fingerprint: values.fingerprint ?? process.env.AGENTORA_WORKER_FINGERPRINT,
  });
}
