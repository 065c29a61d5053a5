// A fake Ollama speaking the real wire format on 127.0.0.1: /api/tags, NDJSON-streamed /api/chat, /api/embed,
// a 404 for unknown models, and a mid-stream disconnect for the model named "crashy".
// Chat: a last user message "echo: <text>" is answered with <text>. Behaviours by model name: "slow…" streams `slowTokens` tokens `slowDelayMs` apart (for Stop and kill -9
// tests), "garbage…" sends a line that is not JSON mid-stream. Every /api/chat request is recorded in `chats`
// with whether the client closed the connection before the answer ended (what Stop must cause).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeOllama {
  url: string;
  /** Every text /api/embed was asked to embed, in order. */
  embedded: string[];
  /** Every /api/chat request: its body, and whether the client hung up before the answer was complete. */
  chats: { model: string; messages: { role: string; content: string }[]; options?: Record<string, unknown>; closedEarly: boolean; ended: boolean }[];
  close(): Promise<void>;
}

export interface FakeOllamaOptions {
  /** How /api/embed turns a text into a vector (default: `[length, 1, 0]`). */
  embed?: (text: string) => number[];
  /** "slow…" models: how many tokens and how far apart (defaults 200 tokens, 50 ms). */
  slowTokens?: number;
  slowDelayMs?: number;
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
      if (req.url === '/api/chat' && (json.model.startsWith('slow') || json.model.startsWith('garbage'))) {
        const rec = { model: json.model, messages: json.messages, options: json.options, closedEarly: false, ended: false };
        chats.push(rec);
        res.on('close', () => (rec.closedEarly = !rec.ended));
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        const n = opts.slowTokens ?? 200;
        let i = 0;
        const tick = () => {
          if (res.destroyed) return;
          if (i === 3 && json.model.startsWith('garbage')) return res.end('this is not json\n');
          if (i < n) {
            res.write(JSON.stringify({ model: json.model, created_at: new Date().toISOString(), message: { role: 'assistant', content: `tok${i} ` }, done: false }) + '\n');
            i++;
            return void setTimeout(tick, opts.slowDelayMs ?? 50);
          }
          rec.ended = true;
          res.end(JSON.stringify({ model: json.model, created_at: new Date().toISOString(), message: { role: 'assistant', content: '' }, done: true, done_reason: 'stop', prompt_eval_count: 17, eval_count: n }) + '\n');
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
