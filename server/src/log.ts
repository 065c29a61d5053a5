// Logs: standalone they go to stderr (stdout stays free for the language-server protocol); inside VS Code
// main.ts gives a sink that sends each line as a `window/logMessage` with its level, which the language client
// writes to the "Agentora" log output channel (Show Logs) at that level. Secrets never reach either: bearer
// tokens, `token=` query values, key/secret/password fields and every secret value the server knows are masked.
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
const ORDER: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export interface Logger {
  error(msg: string, extra?: unknown): void;
  warn(msg: string, extra?: unknown): void;
  info(msg: string, extra?: unknown): void;
  debug(msg: string, extra?: unknown): void;
}

/** Where a finished line goes: `line` is stamped for a terminal; `msg` is the bare text for a leveled channel. */
export type LogSink = (level: LogLevel, msg: string, line: string) => void;

export interface LoggerOptions {
  sink?: LogSink;
  /** Secret values to mask wherever they appear (the API token, API keys), read at each line. */
  secrets?: () => readonly string[];
}

const MASK = '***';
const PATTERNS: [RegExp, string][] = [
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/gi, `$1 ${MASK}`],
  [/([?&#](?:token|api_key|apikey|key|access_token)=)[^&\s"']+/gi, `$1${MASK}`],
  [/(["']?(?:[\w-]*(?:api[_-]?key|token|secret|password)[\w-]*)["']?\s*[:=]\s*["']?)[^"',\s}]{4,}/gi, `$1${MASK}`],
];

/** Mask secrets in one log line (see the header). */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 6) out = out.split(s).join(MASK);
  for (const [re, to] of PATTERNS) out = out.replace(re, to);
  return out;
}

const stderrSink: LogSink = (_level, _msg, line) => process.stderr.write(line + '\n');

/** `level` may be a function so a changed `agentora.logLevel` applies without a restart. */
export function createLogger(level: LogLevel | (() => LogLevel), sinkOrWrite: LogSink | ((line: string) => void) | LoggerOptions = {}): Logger {
  const opts: LoggerOptions = typeof sinkOrWrite === 'function' ? { sink: sinkOrWrite.length >= 3 ? (sinkOrWrite as LogSink) : (_l, _m, line) => (sinkOrWrite as (l: string) => void)(line) } : sinkOrWrite;
  const sink = opts.sink ?? stderrSink;
  const current = typeof level === 'function' ? level : () => level;
  const at = (lvl: LogLevel) => (msg: string, extra?: unknown) => {
    if (ORDER[lvl] > ORDER[current()]) return;
    const tail = extra === undefined ? '' : ' ' + (extra instanceof Error ? (extra.stack ?? extra.message) : JSON.stringify(extra));
    const text = redact(`${msg}${tail}`, opts.secrets?.() ?? []);
    sink(lvl, text, `[${new Date().toISOString()}] ${lvl.toUpperCase().padEnd(5)} ${text}`);
  };
  return { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') };
}
