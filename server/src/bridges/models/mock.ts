// The mock provider (AGENTORA_USE_MOCK_OLLAMA=true, the first-launch default). Deterministic and fast, but it
// exercises every path the real one does: replies stream in several chunks with token counts, structured
// output validates against the requested JSON schema (so plans and handoffs flow through the real code), and
// embeddings are deterministic feature-hashed vectors in which texts sharing words are close.
import { createHash } from 'node:crypto';
import { mockPlan } from './mockPlan';
import { mockAgentTurn, mockCritique, mockRevision } from './mockAgent';
import { ModelProviderError, type ChatChunk, type ChatRequest, type ModelProvider, type ProviderModel } from './types';

export const MOCK_CHAT_MODEL = 'mock-chat';
export const MOCK_EMBED_MODEL = 'mock-embed';
export const MOCK_EMBED_DIM = 256;

function hash32(text: string): number {
  return createHash('sha1').update(text).digest().readUInt32LE(0);
}

function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** Feature hashing of words and character trigrams into a unit vector. */
export function mockEmbedding(text: string, dim = MOCK_EMBED_DIM): number[] {
  const v = new Array<number>(dim).fill(0);
  const add = (feature: string, weight: number) => {
    const h = hash32(feature);
    v[h % dim]! += h & 0x80000000 ? -weight : weight;
  };
  for (const w of words(text)) {
    add('w:' + w, 1);
    for (let i = 0; i + 3 <= w.length; i++) add('t:' + w.slice(i, i + 3), 0.3);
  }
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  enum?: unknown[];
  minItems?: number;
  minimum?: number;
  required?: string[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  default?: unknown;
  minLength?: number;
};

/** A value that validates against a (simple) JSON schema, seeded by the prompt so it reads sensibly. */
export function valueForSchema(schema: JsonSchema, seed: string, depth = 0): unknown {
  if (schema.const !== undefined) return schema.const;
  if (schema.enum?.length) return schema.enum[0];
  if (schema.default !== undefined) return schema.default;
  const alt = schema.anyOf ?? schema.oneOf;
  if (alt?.length) return valueForSchema(alt[0]!, seed, depth);
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type ?? (schema.properties ? 'object' : 'string')) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, sub] of Object.entries(schema.properties ?? {})) out[k] = valueForSchema(sub, `${seed} ${k}`, depth + 1);
      return out;
    }
    case 'array': {
      const n = Math.max(schema.minItems ?? 0, depth > 2 ? 1 : 2);
      return Array.from({ length: n }, (_, i) => valueForSchema(schema.items ?? { type: 'string' }, `${seed} ${i + 1}`, depth + 1));
    }
    case 'integer':
      return Math.max(schema.minimum ?? 1, 1);
    case 'number':
      return Math.max(schema.minimum ?? 1, 1);
    case 'boolean':
      return true;
    default: {
      const text = `mock ${seed.trim()}`.slice(0, 120);
      return text.length >= (schema.minLength ?? 0) ? text : text.padEnd(schema.minLength ?? 0, '.');
    }
  }
}

function replyFor(req: ChatRequest): string {
  const lastUser = [...req.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
  if (req.format && req.format !== 'json' && (req.format as { title?: string }).title === 'agentora.plan') {
    return mockPlan(req.messages.find((m) => m.role === 'system')?.content ?? '', req.messages.find((m) => m.role === 'user')?.content ?? '');
  }
  if (req.format) {
    const schema = req.format === 'json' ? { type: 'object', properties: { answer: { type: 'string' } } } : (req.format as JsonSchema);
    return JSON.stringify(valueForSchema(schema, words(lastUser).slice(0, 6).join(' ')));
  }
  const single = /single word:?\s*([\p{L}\p{N}_-]+)/iu.exec(lastUser);
  if (single) return single[1]!;
  const topic = words(lastUser).slice(0, 12).join(' ');
  // Code in the question (Ask About Selection / File): answer with it back in a fenced block, marked, so Copy,
  // Insert at Cursor and Apply can be tried with no model installed.
  const code = /```([\w+-]*)\n([\s\S]*?)\n```/.exec(lastUser);
  if (code) {
    const lang = code[1] || 'text';
    const mark = /^(py|python|sh|bash|shell|yaml|yml|toml|ruby|rb|r)$/.test(lang) ? '#' : '//';
    return `Mock model reply. You asked about: ${topic}.\n\nHere is the code with a note added:\n\n\`\`\`${lang}\n${mark} reviewed by the mock model\n${code[2]}\n\`\`\`\n`;
  }
  return `Mock model reply. You asked about: ${topic || 'nothing in particular'}. (Set AGENTORA_USE_MOCK_OLLAMA=false to use Ollama.)`;
}

export class MockProvider implements ModelProvider {
  readonly kind = 'mock' as const;
  readonly host = 'mock://local';
  readonly defaultChatModel = MOCK_CHAT_MODEL;
  readonly defaultEmbedModel = MOCK_EMBED_MODEL;

  async listModels(): Promise<ProviderModel[]> {
    return [
      { name: MOCK_CHAT_MODEL, size: 0, family: 'mock', parameter_size: '0B', quantization_level: 'none' },
      { name: MOCK_EMBED_MODEL, size: 0, family: 'mock', parameter_size: '0B', quantization_level: 'none' },
    ];
  }

  async *chat(req: ChatRequest): AsyncIterable<ChatChunk> {
    // Like Ollama: an embedding model cannot chat (so the capability error can be tried in mock mode).
    if (/embed/i.test(req.model ?? ''))
      throw new ModelProviderError(
        `model '${req.model}' does not support chat`,
        'unsupported',
        "Pick a model with the 'completion' capability in the model manager (mock mode: mock-chat).",
      );
    const agent = mockAgentTurn(req);
    const text = agent?.content ?? mockCritique(req) ?? mockRevision(req) ?? replyFor(req);
    const pieces = text.match(/.{1,16}/gsu) ?? [''];
    for (const piece of pieces) {
      if (req.signal?.aborted) throw new Error('aborted');
      yield { content: piece, done: false };
      await new Promise<void>((r) => setImmediate(r));
    }
    const promptTokens = req.messages.reduce((n, m) => n + words(m.content).length, 0);
    if (agent?.toolCalls) yield { content: '', done: false, toolCalls: agent.toolCalls };
    yield { content: '', done: true, promptEvalCount: promptTokens, evalCount: words(text).length, doneReason: 'stop' };
  }

  async embed(input: string[]): Promise<number[][]> {
    return input.map((t) => mockEmbedding(t));
  }
}
