// The real provider: the official `ollama` client. Errors are turned into ModelProviderError with a fix hint
// (`ollama serve` when nothing listens, `ollama pull <model>` for a missing model).
import { Ollama } from 'ollama';
import { CallQueue } from './queue';
import { streamTrace } from './streamTrace';
import { ModelProviderError, type ChatChunk, type ChatRequest, type ModelProvider, type ProviderModel } from './types';

export interface OllamaOptions {
  host: string;
  chatModel: string;
  embedModel: string;
  timeoutMs: number;
  /**
   * Most chat calls sent to this Ollama at once (agentora.models.maxParallel); more wait in a fair queue shared by
   * every provider of the same base URL (so a settings change, which makes a new provider, keeps the cap). Unset:
   * no queue (the worker process caps its calls with its own job concurrency).
   */
  maxParallel?: number;
}

/** One queue per Ollama base URL: the limit is the Ollama server's, not one provider object's. */
const queues = new Map<string, CallQueue>();
function queueFor(host: string, max: number): CallQueue {
  let q = queues.get(host);
  if (!q) queues.set(host, (q = new CallQueue(max)));
  else q.setMax(max);
  return q;
}

/** The same error AbortSignal.timeout() gives, so callers and translate() see a timeout as before. */
const timeoutError = () => new DOMException('The operation was aborted due to timeout', 'TimeoutError');

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
  private readonly queue: CallQueue | null;

  constructor(opts: OllamaOptions) {
    this.host = opts.host.replace(/\/+$/, '');
    this.defaultChatModel = opts.chatModel;
    this.defaultEmbedModel = opts.embedModel;
    this.timeoutMs = opts.timeoutMs;
    this.queue = opts.maxParallel ? queueFor(this.host, opts.maxParallel) : null;
  }

  /**
   * A client for one call. The official client is cheap to make (~5 µs: it keeps no connection — fetch pools
   * keep-alive connections per origin in undici's global dispatcher); a client of its own per call keeps the
   * client's `abort()` and its list of open streams to this call. What did cost was the signals: a timeout signal
   * (whose timer lives on after the call) and two `AbortSignal.any` per call (~90 µs, and slower the more signals
   * are alive, e.g. 1,000 resumed workflow steps). Now: ONE AbortController per call, aborted by the caller's
   * signal, by a timer cleared when the call ends, or by `done(true)` (a stream left before its end, so Ollama
   * stops generating and the connection is not kept busy).
   */
  private call(signal?: AbortSignal): { client: Ollama; done: (cut?: boolean) => void } {
    const ac = new AbortController();
    const onAbort = () => ac.abort(signal!.reason);
    if (signal?.aborted) ac.abort(signal.reason);
    else signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => ac.abort(timeoutError()), this.timeoutMs);
    const client = new Ollama({
      host: this.host,
      fetch: (input: RequestInfo | URL, init?: RequestInit) => {
        // A streamed request carries the client's own per-stream signal (its abort()): it aborts this call too.
        const own = init?.signal;
        own?.addEventListener('abort', () => ac.abort(own.reason), { once: true });
        return fetch(input, { ...init, signal: ac.signal });
      },
    });
    return {
      client,
      done: (cut = false) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (cut) ac.abort();
      },
    };
  }

  async listModels(signal?: AbortSignal): Promise<ProviderModel[]> {
    const { client, done } = this.call(signal);
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
    } finally {
      done();
    }
  }

  async *chat(req: ChatRequest): AsyncIterable<ChatChunk> {
    const model = req.model ?? this.defaultChatModel;
    // Wait for a slot first: the call's timeout starts when it is sent, not while it waits its turn.
    const release = this.queue ? await this.queue.acquire(req.route?.kind ?? 'other', req.signal) : null;
    let sawDone = false;
    const { client, done } = this.call(req.signal);
    try {
      let stream;
      try {
        stream = await client.chat({ model, messages: req.messages, stream: true, format: req.format, options: req.options, tools: req.tools });
      } catch (err) {
        throw translate(err, this.host, model);
      }
      try {
        for await (const part of stream) {
          sawDone = part.done;
          // A token is one small object (no spreads): at full speed this runs per token.
          const chunk: ChatChunk = { content: part.message?.content ?? '', done: part.done };
          if (part.message?.tool_calls?.length) chunk.toolCalls = part.message.tool_calls;
          if (part.done) {
            chunk.promptEvalCount = part.prompt_eval_count;
            chunk.evalCount = part.eval_count;
            chunk.doneReason = part.done_reason;
          }
          streamTrace?.stamp(chunk);
          yield chunk;
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
    } finally {
      // Also when the consumer stops reading early: close the request so Ollama stops and the slot is free.
      done(!sawDone);
      release?.();
    }
  }

  async embed(input: string[], model = this.defaultEmbedModel, signal?: AbortSignal): Promise<number[][]> {
    const { client, done } = this.call(signal);
    try {
      const res = await client.embed({ model, input });
      return res.embeddings;
    } catch (err) {
      throw translate(err, this.host, model);
    } finally {
      done();
    }
  }
}
