// A fake Ollama speaking the real wire format on 127.0.0.1: /api/tags, NDJSON-streamed /api/chat, /api/embed,
// a 404 for unknown models, and a mid-stream disconnect for the model named "crashy".
// Chat: a last user message "echo: <text>" is answered with <text>. Behaviours by model name: "slow…" streams `slowTokens` tokens `slowDelayMs` apart (for Stop and kill -9
// tests), "garbage…" sends a line that is not JSON mid-stream. Every /api/chat request is recorded in `chats`
// with whether the client closed the connection before the answer ended (what Stop must cause).
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeOllama {
  url: string;
  /** Every text /api/embed was asked to embed, in order. */
  embedded: string[];
  /** Every /api/chat request: its body, and whether the client hung up before the answer was complete. */
  chats: {
    model: string;
    messages: { role: string; content: string }[];
    options?: Record<string, unknown>;
    format?: unknown;
    tools?: unknown;
    closedEarly: boolean;
    ended: boolean;
  }[];
  /** Every /api/pull: whether the client hung up before it finished (what Cancel must cause). */
  pulls: { model: string; closedEarly: boolean; ended: boolean }[];
  /** The installed models (pull adds, delete removes). */
  models: string[];
  /** /api/chat requests open right now, and the most ever open at once (the model layer's concurrency cap). */
  readonly openChats: number;
  readonly maxOpenChats: number;
  /** TCP connections clients opened to this fake (keep-alive reuse keeps it low). */
  readonly connections: number;
  close(): Promise<void>;
}

export interface FakeOllamaOptions {
  /** How /api/embed turns a text into a vector (default: `[length, 1, 0]`). */
  embed?: (text: string) => number[];
  /** "slow…" models: how many tokens and how far apart (defaults 200 tokens, 50 ms). */
  slowTokens?: number;
  slowDelayMs?: number;
  /** performance.now() of each paced "slow…" token write, pushed here (the chat benchmark's per-token latency). */
  tokenWrites?: number[];
  /**
   * "slow…" requests wait until this many are open, then get the same tokens in lockstep (token i written to all
   * of them in the same tick): the chat benchmark reads one directly and one through the server, and pairs them.
   */
  lockstep?: number;
  /**
   * What /api/chat answers (default "Hello from fake Ollama"): the reply text, streamed in chunks — e.g. JSON for
   * a request with `format` —, or `{tool_calls}` for a tool-call answer (Ollama's shape), or `{crash: true}` to cut
   * the stream mid-way. Token counts are the real-looking `prompt_eval_count` / `eval_count`.
   */
  /** Wait this long before answering a scripted chat (so a test can pause / kill mid-step). */
  chatDelayMs?: number;
  chat?: (
    body: { model: string; messages: Array<{ role: string; content: string }>; format?: unknown; tools?: unknown },
    n: number,
  ) => string | { tool_calls: Array<{ function: { name: string; arguments: Record<string, unknown> } }>; content?: string } | { crash: true };
  /** /api/pull: progress lines and the pause between them (defaults 10, 30 ms). */
  pullSteps?: number;
  pullDelayMs?: number;
}

export async function startFakeOllama(
  models = ['llama3.2:latest', 'nomic-embed-text:latest', 'crashy:latest'],
  opts: FakeOllamaOptions = {},
): Promise<FakeOllama> {
  const embedded: string[] = [];
  const chats: FakeOllama['chats'] = [];
  const pulls: FakeOllama['pulls'] = [];
  const known = (m: string) => models.includes(m) || models.includes(`${m}:latest`);
  let lockstepGroup: { res: ServerResponse; rec: { ended: boolean } }[] = [];
  let openChats = 0;
  let maxOpenChats = 0;
  let connections = 0;
  const server: Server = createServer((req, res) => {
    if (req.url === '/api/chat') {
      maxOpenChats = Math.max(maxOpenChats, ++openChats);
      res.once('close', () => openChats--);
    }
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      if (req.url === '/api/tags') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(
          JSON.stringify({
            models: models.map((name) => ({
              name,
              model: name,
              size: 1000,
              digest: 'x',
              details: { family: 'llama', parameter_size: '3B', quantization_level: 'Q4_K_M' },
            })),
          }),
        );
      }
      const json = body ? JSON.parse(body) : {};
      json.model ??= json.name; // older clients send `name` for pull / show / delete
      if (req.url === '/api/pull') {
        // Streamed progress like Ollama's; "missing…" names fail like a manifest that does not exist.
        const rec = { model: json.model as string, closedEarly: false, ended: false };
        pulls.push(rec);
        if (String(json.model).startsWith('missing')) {
          res.writeHead(500, { 'content-type': 'application/json' });
          return res.end(JSON.stringify({ error: 'pull model manifest: file does not exist' }));
        }
        res.on('close', () => (rec.closedEarly = !rec.ended));
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        res.write(JSON.stringify({ status: 'pulling manifest' }) + '\n');
        const total = 4_000_000;
        let done = 0;
        const step = () => {
          if (res.destroyed) return;
          if (done < total) {
            done += total / (opts.pullSteps ?? 10);
            res.write(JSON.stringify({ status: 'pulling 0123abcd', digest: 'sha256:0123abcd', total, completed: done }) + '\n');
            return void setTimeout(step, opts.pullDelayMs ?? 30);
          }
          for (const status of ['verifying sha256 digest', 'writing manifest', 'success']) res.write(JSON.stringify({ status }) + '\n');
          if (!known(json.model)) models.push(json.model.includes(':') ? json.model : `${json.model}:latest`);
          rec.ended = true;
          res.end();
        };
        return void setTimeout(step, opts.pullDelayMs ?? 30);
      }
      if (!known(json.model)) {
        res.writeHead(404, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ error: `model '${json.model}' not found` }));
      }
      // Like Ollama: an embedding-only model refuses chat with a 400 naming the capability.
      if (req.url === '/api/chat' && /embed/.test(json.model)) {
        res.writeHead(400, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ error: `"${json.model}" does not support chat` }));
      }
      if (req.url === '/api/chat' && opts.chat) {
        chats.push({ ...json, closedEarly: false, ended: true });
        const answer = opts.chat(json, chats.length);
        const reply = () => {
          res.writeHead(200, { 'content-type': 'application/x-ndjson' });
          const line = (message: object, done: boolean, extra: object = {}) =>
            JSON.stringify({ model: json.model, created_at: new Date().toISOString(), message: { role: 'assistant', ...message }, done, ...extra }) +
            '\n';
          if (typeof answer === 'object' && 'crash' in answer) {
            res.write(line({ content: '{"rationale": "half' }, false));
            return res.destroy();
          }
          const text = typeof answer === 'string' ? answer : (answer.content ?? '');
          const pieces = text.match(/[\s\S]{1,12}/g) ?? [];
          for (const p of pieces) res.write(line({ content: p }, false));
          if (typeof answer === 'object' && 'tool_calls' in answer) res.write(line({ content: '', tool_calls: answer.tool_calls }, false));
          const promptTokens = json.messages.reduce((n: number, m: { content: string }) => n + Math.ceil(m.content.length / 4), 0);
          return res.end(
            line({ content: '' }, true, {
              done_reason: 'stop',
              total_duration: 1,
              prompt_eval_count: promptTokens,
              eval_count: Math.max(1, Math.ceil(text.length / 4)),
            }),
          );
        };
        if (opts.chatDelayMs) return void setTimeout(reply, opts.chatDelayMs);
        return reply();
      }
      if (req.url === '/api/chat' && (json.model.startsWith('slow') || json.model.startsWith('garbage'))) {
        const rec = { model: json.model, messages: json.messages, options: json.options, closedEarly: false, ended: false };
        chats.push(rec);
        res.on('close', () => (rec.closedEarly = !rec.ended));
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        const n = opts.slowTokens ?? 200;
        let i = 0;
        const tokenLine = (k: number) =>
          JSON.stringify({
            model: json.model,
            created_at: new Date().toISOString(),
            message: { role: 'assistant', content: `tok${k} ` },
            done: false,
          }) + '\n';
        const doneLine = () =>
          JSON.stringify({
            model: json.model,
            created_at: new Date().toISOString(),
            message: { role: 'assistant', content: '' },
            done: true,
            done_reason: 'stop',
            prompt_eval_count: 17,
            eval_count: n,
          }) + '\n';
        if ((opts.lockstep ?? 1) > 1) {
          lockstepGroup.push({ res, rec });
          if (lockstepGroup.length < opts.lockstep!) return;
          const group = lockstepGroup;
          lockstepGroup = [];
          const step = () => {
            if (i < n) {
              opts.tokenWrites?.push(performance.now());
              const line = tokenLine(i);
              for (const g of group) if (!g.res.destroyed) g.res.write(line);
              i++;
              return void setTimeout(step, opts.slowDelayMs ?? 50);
            }
            for (const g of group) {
              g.rec.ended = true;
              g.res.end(doneLine());
            }
          };
          return void setTimeout(step, opts.slowDelayMs ?? 50);
        }
        if (opts.slowDelayMs === 0 && !json.model.startsWith('garbage')) {
          // Full speed: every token written at once, as fast as the socket takes them.
          for (; i < n; i++) res.write(tokenLine(i));
          rec.ended = true;
          return res.end(doneLine());
        }
        const tick = () => {
          if (res.destroyed) return;
          if (i === 3 && json.model.startsWith('garbage')) return res.end('this is not json\n');
          if (i < n) {
            opts.tokenWrites?.push(performance.now());
            res.write(tokenLine(i));
            i++;
            return void setTimeout(tick, opts.slowDelayMs ?? 50);
          }
          rec.ended = true;
          res.end(doneLine());
        };
        return void setTimeout(tick, opts.slowDelayMs ?? 50);
      }
      if (req.url === '/api/chat') {
        chats.push({ model: json.model, messages: json.messages, options: json.options, closedEarly: false, ended: true });
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        // "echo: <text>" as the last user message: the answer is <text> (to feed a panel hostile Markdown).
        const lastUser = [...(json.messages ?? [])].reverse().find((m: { role: string }) => m.role === 'user')?.content ?? '';
        const echo = /^echo: ([\s\S]*)$/.exec(lastUser)?.[1];
        const words = echo !== undefined ? (echo.match(/[\s\S]{1,8}/g) ?? ['']) : ['Hello', ' from', ' fake', ' Ollama'];
        for (const w of words)
          res.write(
            JSON.stringify({ model: json.model, created_at: new Date().toISOString(), message: { role: 'assistant', content: w }, done: false }) +
              '\n',
          );
        if (json.model.startsWith('crashy')) return res.destroy();
        return res.end(
          JSON.stringify({
            model: json.model,
            created_at: new Date().toISOString(),
            message: { role: 'assistant', content: '' },
            done: true,
            done_reason: 'stop',
            total_duration: 1,
            prompt_eval_count: 5,
            eval_count: 4,
          }) + '\n',
        );
      }
      if (req.url === '/api/show') {
        const embed = /embed/.test(json.model);
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(
          JSON.stringify({
            license: '',
            modelfile: '',
            parameters: '',
            template: '',
            modified_at: new Date().toISOString(),
            details: {
              format: 'gguf',
              family: embed ? 'nomic-bert' : 'llama',
              parameter_size: embed ? '137M' : '3.2B',
              quantization_level: embed ? 'F16' : 'Q4_K_M',
            },
            model_info: { [embed ? 'nomic-bert.context_length' : 'llama.context_length']: embed ? 2048 : 131072 },
            capabilities: embed ? ['embedding'] : ['completion', 'tools'],
          }),
        );
      }
      if (req.url === '/api/delete') {
        models.splice(
          models.findIndex((m) => m === json.model || m === `${json.model}:latest`),
          1,
        );
        res.writeHead(200);
        return res.end();
      }
      if (req.url === '/api/embed') {
        const input: string[] = Array.isArray(json.input) ? json.input : [json.input];
        res.writeHead(200, { 'content-type': 'application/json' });
        embedded.push(...input);
        return res.end(JSON.stringify({ model: json.model, embeddings: input.map((t) => (opts.embed ? opts.embed(t) : [t.length, 1, 0])) }));
      }
      res.writeHead(404).end();
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    embedded,
    chats,
    pulls,
    models,
    get openChats() {
      return openChats;
    },
    get maxOpenChats() {
      return maxOpenChats;
    },
    get connections() {
      return connections;
    },
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
