// The real provider: the official `ollama` client. Errors are turned into ModelProviderError with a fix hint
// (`ollama serve` when nothing listens, `ollama pull <model>` for a missing model).
import { Ollama } from 'ollama';
import { ModelProviderError, type ChatChunk, type ChatRequest, type ModelProvider, type ProviderModel } from './types';

export interface OllamaOptions {
  host: string;
  chatModel: string;
  embedModel: string;
  timeoutMs: number;
}

function translate(err: unknown, host: string, model?: string): ModelProviderError {
  const e = err as { name?: string; message?: string; status_code?: number; cause?: { code?: string } };
  const msg = e?.message ?? String(err);
  if (e?.name === 'AbortError' || /aborted/i.test(msg))
    return new ModelProviderError(
      'The model request was cancelled or timed out',
      'aborted',
      'Try again; raise agentora.models.timeoutSeconds for slow models.',
    );
  // Ollama answers 400 "<model> does not support chat|tools|embedding|…" when the model lacks the capability.
  const unsupported = /does not support (\w+)/i.exec(msg);
  if (unsupported)
    return new ModelProviderError(
      `model '${model}' does not support ${unsupported[1]}`,
      'unsupported',
      `Pick a model with the '${unsupported[1] === 'chat' || unsupported[1] === 'generate' ? 'completion' : unsupported[1]}' capability in the model manager (its capabilities are listed under each model), or set it as the default there.`,
    );
  if (e?.status_code === 404 || /not found/i.test(msg))
    return new ModelProviderError(
      `model '${model}' not found on ${host}`,
      'model_not_found',
      `Run \`ollama pull ${model}\`, or pick an installed model in agentora.models.chatModel.`,
    );
  if (/ECONNREFUSED|fetch failed|ENOTFOUND|EHOSTUNREACH|socket|terminated|other side closed/i.test(msg + (e?.cause?.code ?? '')))
    return new ModelProviderError(
      `Ollama is not reachable at ${host} (${e?.cause?.code ?? msg})`,
      'unreachable',
      'Start it with `ollama serve`, check agentora.models.ollamaUrl, or turn on mock mode (AGENTORA_USE_MOCK_OLLAMA=true).',
    );
  return new ModelProviderError(`Ollama error: ${msg}`, 'bad_response', 'See the Agentora log for the full error.');
}

export class OllamaProvider implements ModelProvider {
  readonly kind = 'ollama' as const;
  readonly host: string;
  readonly defaultChatModel: string;
  readonly defaultEmbedModel: string;
  private readonly timeoutMs: number;

  constructor(opts: OllamaOptions) {
    this.host = opts.host.replace(/\/+$/, '');
    this.defaultChatModel = opts.chatModel;
    this.defaultEmbedModel = opts.embedModel;
    this.timeoutMs = opts.timeoutMs;
  }

  /** One client per call: the client's abort() cancels every stream it owns, so sharing would cancel others. */
  private client(signal?: AbortSignal): Ollama {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    return new Ollama({
      host: this.host,
      fetch: (input: RequestInfo | URL, init?: RequestInit) =>
        fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, combined]) : combined }),
    });
  }

  async listModels(signal?: AbortSignal): Promise<ProviderModel[]> {
    const client = this.client(signal);
    try {
      const res = await client.list();
      return res.models.map((m) => ({
        name: m.name,
        size: typeof m.size === 'number' ? m.size : null,
        family: m.details?.family ?? null,
        parameter_size: m.details?.parameter_size ?? null,
        quantization_level: m.details?.quantization_level ?? null,
      }));
    } catch (err) {
      throw translate(err, this.host);
    }
  }

  async *chat(req: ChatRequest): AsyncIterable<ChatChunk> {
    const model = req.model ?? this.defaultChatModel;
    const client = this.client(req.signal);
    let stream;
    try {
      stream = await client.chat({ model, messages: req.messages, stream: true, format: req.format, options: req.options, tools: req.tools });
    } catch (err) {
      throw translate(err, this.host, model);
    }
    let sawDone = false;
    try {
      for await (const part of stream) {
        sawDone = part.done;
        yield {
          content: part.message?.content ?? '',
          done: part.done,
          ...(part.message?.tool_calls?.length ? { toolCalls: part.message.tool_calls } : {}),
          ...(part.done ? { promptEvalCount: part.prompt_eval_count, evalCount: part.eval_count, doneReason: part.done_reason } : {}),
        };
      }
    } catch (err) {
      throw translate(err, this.host, model);
    }
    if (!sawDone)
      throw new ModelProviderError(
        `Ollama closed the stream before it finished (model '${model}')`,
        'bad_response',
        'Check the Ollama log; the model may have crashed or run out of memory.',
      );
  }

  async embed(input: string[], model = this.defaultEmbedModel, signal?: AbortSignal): Promise<number[][]> {
    const client = this.client(signal);
    try {
      const res = await client.embed({ model, input });
      return res.embeddings;
    } catch (err) {
      throw translate(err, this.host, model);
    }
  }
}
