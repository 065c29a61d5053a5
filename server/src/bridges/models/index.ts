import type { Config } from '../../config';
import { MockProvider } from './mock';
import { OllamaProvider } from './ollama';
import type { ModelProvider } from './types';

export * from './types';

/** The one place that picks the provider. */
export function createModelProvider(config: Config): ModelProvider {
  if (config['models.useMock']) return new MockProvider();
  return new OllamaProvider({
    host: config['models.ollamaUrl'],
    chatModel: config['models.chatModel'],
    embedModel: config['models.embedModel'],
    timeoutMs: config['models.timeoutSeconds'] * 1000,
    maxParallel: config['models.maxParallel'],
  });
}
