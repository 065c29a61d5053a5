// A fake Ollama speaking the real wire format on 127.0.0.1: /api/tags, NDJSON-streamed /api/chat, /api/embed,
// a 404 for unknown models, and a mid-stream disconnect for the model named "crashy".
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeOllama {
  url: string;
  /** Every text /api/embed was asked to embed, in order. */
  embedded: string[];
  /** Every /api/chat request body, in order (model, messages, format, tools, options). */
  chats: Array<{ model: string; messages: Array<{ role: string; content: string }>; format?: unknown; tools?: unknown; options?: unknown }>;
  close(): Promise<void>;
}

export interface FakeOllamaOptions {
  /** How /api/embed turns a text into a vector (default: `[length, 1, 0]`). */
  embed?: (text: string) => number[];
  /**
   * What /api/chat answers (default "Hello from fake Ollama"): the reply text, streamed in chunks — e.g. JSON for
   * a request with `format` —, or `{tool_calls}` for a tool-call answer (Ollama's shape), or `{crash: true}` to cut
   * the stream mid-way. Token counts are the real-looking `prompt_eval_count` / `eval_count`.
   */
  /** Wait this long before answering a scripted chat (so a test can pause / kill mid-step). */
  chatDelayMs?: number;
  chat?: (body: { model: string; messages: Array<{ role: string; content: string }>; format?: unknown; tools?: unknown }, n: number) => string | { tool_calls: Array<{ function: { name: string; arguments: Record<string, unknown> } }>; content?: string } | { crash: true };
}

export async function startFakeOllama(models = ['llama3.2:latest', 'nomic-embed-text:latest', 'crashy:latest'], opts: FakeOllamaOptions = {}): Promise<FakeOllama> {
  const embedded: string[] = [];
  const chats: FakeOllama['chats'] = [];
  const known = (m: string) => models.includes(m) || models.includes(`${m}:latest`);
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      if (req.url === '/api/tags') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ models: models.map((name) => ({ name, model: name, size: 1000, digest: 'x', details: { family: 'llama', parameter_size: '3B', quantization_level: 'Q4_K_M' } })) }));
      }
      const json = body ? JSON.parse(body) : {};
      if (!known(json.model)) {
        res.writeHead(404, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ error: `model '${json.model}' not found` }));
      }
      if (req.url === '/api/chat' && opts.chat) {
        chats.push(json);
        const answer = opts.chat(json, chats.length);
        const reply = () => {
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        const line = (message: object, done: boolean, extra: object = {}) => JSON.stringify({ model: json.model, created_at: new Date().toISOString(), message: { role: 'assistant', ...message }, done, ...extra }) + '\n';
        if (typeof answer === 'object' && 'crash' in answer) {
          res.write(line({ content: '{"rationale": "half' }, false));
          return res.destroy();
        }
        const text = typeof answer === 'string' ? answer : (answer.content ?? '');
        const pieces = text.match(/[\s\S]{1,12}/g) ?? [];
        for (const p of pieces) res.write(line({ content: p }, false));
        if (typeof answer === 'object' && 'tool_calls' in answer) res.write(line({ content: '', tool_calls: answer.tool_calls }, false));
        const promptTokens = json.messages.reduce((n: number, m: { content: string }) => n + Math.ceil(m.content.length / 4), 0);
        return res.end(line({ content: '' }, true, { done_reason: 'stop', total_duration: 1, prompt_eval_count: promptTokens, eval_count: Math.max(1, Math.ceil(text.length / 4)) }));
        };
        if (opts.chatDelayMs) return void setTimeout(reply, opts.chatDelayMs);
        return reply();
      }
      if (req.url === '/api/chat') {
        chats.push(json);
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        const words = ['Hello', ' from', ' fake', ' Ollama'];
        for (const w of words) res.write(JSON.stringify({ model: json.model, created_at: new Date().toISOString(), message: { role: 'assistant', content: w }, done: false }) + '\n');
        if (json.model.startsWith('crashy')) return res.destroy();
        return res.end(JSON.stringify({ model: json.model, created_at: new Date().toISOString(), message: { role: 'assistant', content: '' }, done: true, done_reason: 'stop', total_duration: 1, prompt_eval_count: 5, eval_count: 4 }) + '\n');
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
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    embedded,
    chats,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
