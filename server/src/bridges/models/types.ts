// The model provider interface. Services (chat, teams, memory embeddings, the doctor) only see this; the
// Ollama client and the mock are the two implementations, chosen once at start (never `if (mock)` elsewhere).

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  /** On an assistant message: the tool calls it made (sent back so the model sees its own calls). */
  tool_calls?: ToolCall[];
  /** On a tool message: which tool this observation answers. */
  tool_name?: string;
}

/** A function call the model asked for (Ollama's `message.tool_calls[].function`). */
export interface ToolCall {
  function: { name: string; arguments: Record<string, unknown> };
}

/** A tool offered to the model (Ollama's `tools[]`). */
export interface ToolSpec {
  type: 'function';
  function: { name: string; description: string; parameters: Record<string, unknown> };
}

export interface ChatRequest {
  model?: string;
  messages: ChatMessage[];
  /** `'json'` or a JSON schema object: the reply must be JSON (matching the schema). */
  format?: 'json' | Record<string, unknown>;
  options?: { temperature?: number; num_predict?: number; seed?: number; num_ctx?: number };
  signal?: AbortSignal;
  /** Tools the model may call; its calls come back on chunks as `toolCalls`. */
  tools?: ToolSpec[];
  /**
   * Where this call may run (issue 15, workers). Callers say what the call is for and the run's worker mode;
   * the workers' routing provider (wrapping the real one) may send it to a live worker with the capability or
   * run it here. Plain providers ignore it.
   */
  route?: ModelCallRoute;
}

/** What a model call is for, and where the caller allows it to run. */
export interface ModelCallRoute {
  /** The worker job type this call would be dispatched as. */
  kind: 'model_chat' | 'team_step' | 'workflow_model_call';
  /** `auto` (worker if one is live, else here), `prefer_worker`, or `local` (never a worker). */
  workerMode?: 'auto' | 'prefer_worker' | 'local';
  /** For the job list: which run / step asked. */
  ref?: string;
}

export interface ChatChunk {
  /** Text added by this chunk. */
  content: string;
  done: boolean;
  /** Tool calls the model made in this chunk (Ollama sends them whole, on one chunk). */
  toolCalls?: ToolCall[];
  /** Real token counts from the provider, on the final chunk. */
  promptEvalCount?: number;
  evalCount?: number;
  doneReason?: string;
}

export interface ProviderModel {
  name: string;
  size: number | null;
  family: string | null;
  parameter_size: string | null;
  quantization_level: string | null;
}

export interface ModelProvider {
  readonly kind: 'ollama' | 'mock';
  readonly host: string;
  readonly defaultChatModel: string;
  readonly defaultEmbedModel: string;
  listModels(signal?: AbortSignal): Promise<ProviderModel[]>;
  chat(req: ChatRequest): AsyncIterable<ChatChunk>;
  embed(input: string[], model?: string, signal?: AbortSignal): Promise<number[][]>;
}

/** A provider failure the operator can act on: `fixHint` says how. */
export class ModelProviderError extends Error {
  constructor(
    message: string,
    readonly code: 'unreachable' | 'model_not_found' | 'unsupported' | 'timeout' | 'aborted' | 'bad_response',
    readonly fixHint: string,
  ) {
    super(message);
    this.name = 'ModelProviderError';
  }
}

/** Collect a whole streamed reply. */
export async function collectChat(stream: AsyncIterable<ChatChunk>): Promise<{ text: string; last: ChatChunk | undefined }> {
  let text = '';
  let last: ChatChunk | undefined;
  for await (const c of stream) {
    text += c.content;
    last = c;
  }
  return { text, last };
}
