// The real provider path: the official `ollama` client against a fake Ollama, and the doctor's verdicts.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OllamaProvider } from '../../server/src/bridges/models/ollama';
import { collectChat, ModelProviderError } from '../../server/src/bridges/models';
import { startFakeOllama, type FakeOllama } from '../fakes/ollama';
import { CLI } from '../helpers/server';

let fake: FakeOllama;
before(async () => {
  fake = await startFakeOllama();
});
after(() => fake.close());

const provider = (chatModel = 'llama3.2') => new OllamaProvider({ host: fake.url, chatModel, embedModel: 'nomic-embed-text', timeoutMs: 5000 });

test('lists models, streams chat in chunks with real token counts, embeds in a batch', async () => {
  const p = provider();
  assert.deepEqual(
    (await p.listModels()).map((m) => m.name),
    ['llama3.2:latest', 'nomic-embed-text:latest', 'crashy:latest'],
  );
  const chunks: string[] = [];
  let last;
  for await (const c of p.chat({ messages: [{ role: 'user', content: 'hi' }] })) {
    chunks.push(c.content);
    last = c;
  }
  assert.equal(chunks.join(''), 'Hello from fake Ollama');
  assert.ok(chunks.length >= 4);
  assert.equal(last?.evalCount, 4);
  assert.deepEqual(await p.embed(['ab', 'abc']), [
    [2, 1, 0],
    [3, 1, 0],
  ]);
});

test('an unknown model is a model_not_found error with the `ollama pull` fix', async () => {
  await assert.rejects(collectChat(provider('nope').chat({ messages: [{ role: 'user', content: 'hi' }] })), (e: ModelProviderError) => {
    assert.equal(e.code, 'model_not_found');
    assert.match(e.fixHint, /ollama pull nope/);
    return true;
  });
});

test('a mid-stream disconnect is an error, not a silently short reply', async () => {
  await assert.rejects(collectChat(provider('crashy').chat({ messages: [{ role: 'user', content: 'hi' }] })), ModelProviderError);
});

test('nothing listening is `unreachable` with the `ollama serve` fix', async () => {
  const dead = new OllamaProvider({ host: 'http://127.0.0.1:9', chatModel: 'x', embedModel: 'y', timeoutMs: 2000 });
  await assert.rejects(dead.listModels(), (e: ModelProviderError) => e.code === 'unreachable' && /ollama serve/.test(e.fixHint));
});

// Asynchronous on purpose: the fake Ollama lives in this process and must keep answering meanwhile.
async function doctorJson(env: Record<string, string>) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'agentora-doc-'));
  const r = await new Promise<{ status: number; stdout: string }>((resolve) => {
    execFile(
      process.execPath,
      [CLI, 'doctor', '--json'],
      {
        encoding: 'utf8',
        cwd: dataDir,
        env: { PATH: process.env.PATH, HOME: dataDir, AGENTORA_DATA_DIR: dataDir, AGENTORA_USE_MOCK_OLLAMA: 'false', ...env },
      },
      (err, stdout) => resolve({ status: (err as { code?: number } | null)?.code ?? 0, stdout }),
    );
  });
  const out = JSON.parse(r.stdout);
  return { status: r.status, out, ollama: out.items.find((i: { key: string }) => i.key === 'ollama') };
}

test('`agentora doctor`: models present → ok; a configured model missing → warn with the pull command; Ollama down → error, exit 1', async () => {
  const ok = await doctorJson({ AGENTORA_OLLAMA_URL: fake.url });
  assert.equal(ok.ollama.severity, 'ok');
  assert.equal(ok.status, 0);
  const missing = await doctorJson({ AGENTORA_OLLAMA_URL: fake.url, AGENTORA_OLLAMA_CHAT_MODEL: 'qwen3' });
  assert.equal(missing.ollama.severity, 'warn');
  assert.equal(missing.ollama.fix_hint, 'ollama pull qwen3');
  const down = await doctorJson({ AGENTORA_OLLAMA_URL: 'http://127.0.0.1:9' });
  assert.equal(down.ollama.severity, 'error');
  assert.match(down.ollama.fix_hint, /ollama serve/);
  assert.equal(down.status, 1);
  assert.match(down.out.next_steps.join('\n'), /ollama serve/);
});
