// Missions set up over the real HTTP API for UI tests: a root mission launched (mock integrations) and run to its
// end, as an operator's script would. Shared by the studio's persona tests.
import assert from 'node:assert/strict';
import type { TestServer } from './server';
import { until } from './codeServer';

/** Launches a root mission as persona `default` and waits until it is terminal; its id. */
export async function launchRootMission(s: TestServer, fields: { repo: string; mission_title: string; objective: string }): Promise<string> {
  const res = await s.fetch('/api/integrations/runs/launch', { method: 'POST', body: JSON.stringify({ persona_id: 'default', ...fields }) });
  assert.ok(res.ok, `launch: ${res.status} ${await res.clone().text()}`);
  const { id } = (await res.json()) as { id: string };
  await until('root terminal', async () => ((await (await s.fetch(`/api/integrations/runs/${id}`)).json()) as any).run.terminal, 20000);
  return id;
}
