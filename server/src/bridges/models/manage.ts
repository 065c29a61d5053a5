// Model management (Open WebUI parity): details with capabilities (`ollama.show`), pull with streamed progress
// (cancellable), delete. The official client against Ollama; against the mock provider a small in-memory
// catalogue whose pulls step through progress, so the model manager works with no model installed.
import { Ollama } from 'ollama';
import { MOCK_CHAT_MODEL, MOCK_EMBED_MODEL } from './mock';
import { ModelProviderError, type ModelProvider, type ProviderModel } from './types';

export interface ModelDetails {
  name: string;
  family: string | null;
  parameter_size: string | null;
  quantization_level: string | null;
  /** From Ollama's `show`: e.g. completion, tools, embedding, vision, insert, thinking. */
  capabilities: string[];
  context_length: number | null;
}

export interface PullProgress {
  status: string;
  completed: number | null;
  total: number | null;
}

export interface ModelManager {
  /** Installed models (Ollama `/api/tags`; the mock's catalogue). */
  list(signal?: AbortSignal): Promise<ProviderModel[]>;
  show(name: string, signal?: AbortSignal): Promise<ModelDetails>;
  pull(name: string, onProgress: (p: PullProgress) => void, signal: AbortSignal): Promise<void>;
  remove(name: string): Promise<void>;
}

function translate(err: unknown, host: string, model: string): ModelProviderError {
  const e = err as { name?: string; message?: string; status_code?: number; cause?: { code?: string } };
  const msg = e?.message ?? String(err);
  if (e?.name === 'AbortError' || /aborted/i.test(msg))
    return new ModelProviderError(`The request for '${model}' was cancelled`, 'aborted', 'Start it again when you want it.');
  if (e?.status_code === 404 || /not found|does not exist|file does not exist/i.test(msg))
    return new ModelProviderError(
      `model '${model}' not found${e?.status_code === 404 ? ` on ${host}` : ''}`,
      'model_not_found',
      `Check the name (e.g. llama3.2:3b) on https://ollama.com/library, or pull it: \`ollama pull ${model}\`.`,
    );
  if (/ECONNREFUSED|fetch failed|ENOTFOUND|EHOSTUNREACH|socket|terminated|other side closed/i.test(msg + (e?.cause?.code ?? '')))
    return new ModelProviderError(
      `Ollama is not reachable at ${host}`,
      'unreachable',
      'Start it with `ollama serve`, or check agentora.models.ollamaUrl.',
    );
  return new ModelProviderError(`Ollama error: ${msg}`, 'bad_response', 'See the Agentora log for the full error.');
}

const contextLength = (info: unknown): number | null => {
  const entries = info instanceof Map ? [...info.entries()] : Object.entries((info ?? {}) as Record<string, unknown>);
  const hit = entries.find(([k]) => k.endsWith('.context_length'));
  return typeof hit?.[1] === 'number' ? hit[1] : null;
};

class OllamaManager implements ModelManager {
  constructor(
    private readonly host: string,
    private readonly provider: ModelProvider,
  ) {}
  list(signal?: AbortSignal): Promise<ProviderModel[]> {
    return this.provider.listModels(signal);
  }
  private client(signal?: AbortSignal) {
    return new Ollama({
      host: this.host,
      fetch: (input: RequestInfo | URL, init?: RequestInit) =>
        fetch(input, { ...init, signal: signal && init?.signal ? AbortSignal.any([signal, init.signal]) : (signal ?? init?.signal) }),
    });
  }
  async show(name: string, signal?: AbortSignal): Promise<ModelDetails> {
    try {
      const r = await this.client(signal).show({ model: name });
      return {
        name,
        family: r.details?.family ?? null,
        parameter_size: r.details?.parameter_size ?? null,
        quantization_level: r.details?.quantization_level ?? null,
        capabilities: r.capabilities ?? [],
        context_length: contextLength(r.model_info),
      };
    } catch (err) {
      throw translate(err, this.host, name);
    }
  }
  async pull(name: string, onProgress: (p: PullProgress) => void, signal: AbortSignal): Promise<void> {
    try {
      const stream = await this.client(signal).pull({ model: name, stream: true });
      for await (const p of stream) onProgress({ status: p.status, completed: p.completed ?? null, total: p.total ?? null });
    } catch (err) {
      throw translate(err, this.host, name);
    }
  }
  async remove(name: string): Promise<void> {
    try {
      await this.client().delete({ model: name });
    } catch (err) {
      throw translate(err, this.host, name);
    }
  }
}

/** The mock's catalogue lives as long as the server: pulled names appear, deleted ones go. */
class MockManager implements ModelManager {
  private readonly installed = new Map<string, string[]>([
    [MOCK_CHAT_MODEL, ['completion', 'tools']],
    [MOCK_EMBED_MODEL, ['embedding']],
  ]);
  async list(): Promise<ProviderModel[]> {
    return [...this.installed.keys()].map((name) => ({ name, size: 0, family: 'mock', parameter_size: '0B', quantization_level: 'none' }));
  }
  async show(name: string): Promise<ModelDetails> {
    const caps = this.installed.get(name) ?? this.installed.get(name.replace(/:latest$/, ''));
    if (!caps)
      throw new ModelProviderError(
        `model '${name}' not found (mock)`,
        'model_not_found',
        `Pull it in the model manager (mock mode: any name works).`,
      );
    return { name, family: 'mock', parameter_size: '0B', quantization_level: 'none', capabilities: caps, context_length: 4096 };
  }
  async pull(name: string, onProgress: (p: PullProgress) => void, signal: AbortSignal): Promise<void> {
    const total = 10_000_000;
    onProgress({ status: 'pulling manifest (mock)', completed: null, total: null });
    for (let done = 0; done <= total; done += total / 20) {
      if (signal.aborted) throw new ModelProviderError(`The pull of '${name}' was cancelled`, 'aborted', 'Start it again when you want it.');
      onProgress({ status: 'downloading (mock)', completed: done, total });
      await new Promise((r) => setTimeout(r, 25));
    }
    this.installed.set(name, /embed/i.test(name) ? ['embedding'] : ['completion']);
    onProgress({ status: 'success', completed: total, total });
  }
  async remove(name: string): Promise<void> {
    if (!this.installed.delete(name)) throw new ModelProviderError(`model '${name}' not found (mock)`, 'model_not_found', 'Nothing to delete.');
  }
}

const managers = new WeakMap<ModelProvider, ModelManager>();
/** One manager per provider (a settings change makes a new provider, so a new manager). */
export function modelManager(provider: ModelProvider): ModelManager {
  let m = managers.get(provider);
  if (!m) managers.set(provider, (m = provider.kind === 'mock' ? new MockManager() : new OllamaManager(provider.host, provider)));
  return m;
}
