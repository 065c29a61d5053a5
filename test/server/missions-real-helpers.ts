// Shared by the missions-real-*.test.ts files: REST helpers and the env that points the server's REAL bridges
// (AGENTORA_INTEGRATIONS_MOCK=false) at a fake AgentCeption with short timers.
import type { TestServer } from '../helpers/server';
import type { FakeAgentception } from '../fakes/agentception';

export const API = '/api/integrations';

/** Real integrations against the AgentCeption fake: short read timeout, one quick retry, watcher off unless asked. */
export function acEnv(ac: FakeAgentception, extra: Record<string, string> = {}): Record<string, string> {
  return {
    AGENTORA_INTEGRATIONS_MOCK: 'false',
    AGENTORA_PHIOS_ENABLED: 'true',
    AGENTORA_AGENTCEPTION_ENABLED: 'true',
    AGENTORA_AGENTCEPTION_URL: ac.url,
    AGENTORA_AGENTCEPTION_TIMEOUT_SECONDS: '2',
    AGENTORA_AGENTCEPTION_CONNECT_TIMEOUT_SECONDS: '1',
    AGENTORA_AGENTCEPTION_RETRIES: '1',
    AGENTORA_INTEGRATIONS_RETRY_BASE_MS: '5',
    AGENTORA_PHIOS_TIMEOUT_SECONDS: '10',
    AGENTORA_PHIOS_CONNECT_TIMEOUT_SECONDS: '10',
    ...extra,
  };
}

/** Polls (no fixed sleeps) until fn gives a truthy value. */
export async function until<T>(what: string, fn: () => Promise<T | undefined | false | null>, ms = 10000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 40));
  }
}

export const post = (s: TestServer, p: string, body: unknown = {}) => s.fetch(API + p, { method: 'POST', body: JSON.stringify(body) });
export const json = async (r: Response | Promise<Response>) => (await r).json() as Promise<any>;
export const getRun = async (s: TestServer, id: string) => (await json(s.fetch(`${API}/runs/${id}`))).run;
export const timeline = async (s: TestServer, id: string): Promise<any[]> => (await json(s.fetch(`${API}/runs/${id}/timeline`))).events;
export const timelineTypes = async (s: TestServer, id: string): Promise<string[]> => (await timeline(s, id)).map((e) => e.type);
