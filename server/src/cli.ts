// `agentora serve | doctor` — the standalone entry, sharing the service layer with the language server.
import { parseArgs } from 'node:util';
import { ConfigError } from './config';
import { createApp, VERSION } from './app';
import { runDoctor } from './services/system/doctor';
import { studioLink } from './services/credentials/sessions';
import { workerCommand, workerTokenCommand } from './services/workers/cli';

const HELP = `Agentora ${VERSION} — local-first agent operating studio

Usage:
  agentora serve [--port N] [--host H] [--data-dir DIR]   run the server and the browser studio
  agentora doctor [--json] [--data-dir DIR]               check this machine and exit (1 on errors)
  agentora worker --server URL --token T [--capabilities …] [--concurrency N]   run jobs for a server (second PC)
  agentora worker-token create --name NAME                 issue a worker token (printed on its own line)
  agentora --version | --help

Configuration: AGENTORA_* environment variables or a .env file (see .env.example).`;

function overridesFrom(values: { port?: string; host?: string; 'data-dir'?: string }): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (values.port !== undefined) o['server.port'] = values.port;
  if (values.host !== undefined) o['server.host'] = values.host;
  if (values['data-dir'] !== undefined) o.dataDir = values['data-dir'];
  return o;
}

async function serve(overrides: Record<string, unknown>): Promise<void> {
  const started = performance.now();
  const app = createApp({ overrides });
  const http = await app.startHttp();
  if (!http.url) {
    process.stderr.write(`Agentora could not start its HTTP API: ${http.error}\n`);
    await app.close();
    process.exit(2);
  }
  const c = app.ctx.config;
  const ms = Math.round(performance.now() - started);
  process.stdout.write(
    [
      `Agentora ${VERSION} ready in ${ms} ms`,
      `  data dir : ${c.dataDir}`,
      `  models   : ${app.ctx.models.kind === 'mock' ? 'mock (AGENTORA_USE_MOCK_OLLAMA=true)' : app.ctx.models.host}`,
      `  missions : ${c['integrations.mock'] ? 'mock integrations' : 'live integrations'}`,
      `  API      : ${http.url}/api (Authorization: Bearer <token in ${c.dataDir}/token>)`,
      `  studio   : ${studioLink(app.ctx, http.url)}  (works once: opening it gives the browser a session)`,
      '',
    ].join('\n'),
  );
  let closing = false;
  const stop = async () => {
    if (closing) return;
    closing = true;
    await app.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

async function doctorCommand(overrides: Record<string, unknown>, json: boolean): Promise<void> {
  const app = createApp({ overrides: { ...overrides } });
  const result = await runDoctor(app.ctx);
  await app.close();
  if (json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  else {
    const mark = { ok: '✔', info: 'ℹ', warn: '⚠', error: '✖' } as const;
    for (const i of result.items) {
      process.stdout.write(`${mark[i.severity]} ${i.title.padEnd(24)} ${i.detail}\n`);
      if (i.fix_hint && i.severity !== 'ok') process.stdout.write(`  ${''.padEnd(24)} fix: ${i.fix_hint}\n`);
    }
    process.stdout.write(`\nstatus: ${result.status}\n`);
  }
  process.exit(result.status === 'error' ? 1 : 0);
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === 'worker') return workerCommand(argv.slice(1));
  if (argv[0] === 'worker-token') return workerTokenCommand(argv.slice(1));
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      version: { type: 'boolean', short: 'v', default: false },
    },
  });
  if (values.version) return void process.stdout.write(VERSION + '\n');
  const command = positionals[0];
  if (values.help || !command) return void process.stdout.write(HELP + '\n');
  const overrides = overridesFrom(values);
  if (command === 'serve') return serve(overrides);
  if (command === 'doctor') return doctorCommand(overrides, values.json ?? false);
  process.stderr.write(`Unknown command '${command}'.\n\n${HELP}\n`);
  process.exit(64);
}

main(process.argv.slice(2)).catch((err) => {
  if (err instanceof ConfigError) process.stderr.write(`${err.message}\nFix the variable(s) above (see .env.example).\n`);
  else process.stderr.write(`agentora: ${(err as Error)?.stack ?? err}\n`);
  process.exit(err instanceof ConfigError ? 78 : 1);
});
