// Shared by the workflows server tests: a REST client over a TestServer, polling with a deadline, and the
// definitions the tests run.
import type { TestServer } from '../helpers/server';

export async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, ms = 20000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function client(srv: () => TestServer) {
  const req = async (verb: string, p: string, body?: unknown) => {
    const r = await srv().fetch(p, { method: verb, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await r.text();
    return { status: r.status, body: (text ? JSON.parse(text) : null) as any };
  };
  const post = (p: string, body: unknown = {}) => req('POST', p, body);
  const get = (p: string) => req('GET', p);
  const run = async (id: number) => (await get(`/api/operator/runs/${id}`)).body;
  const runUntil = (id: number, what: string, pred: (r: any) => boolean, ms?: number) =>
    until(
      `run ${id}: ${what}`,
      async () => {
        const r = await run(id);
        return pred(r) ? r : null;
      },
      ms,
    );
  const status = (id: number, ...statuses: string[]) => runUntil(id, statuses.join('|'), (r) => statuses.includes(r.run.status));
  return { req, post, get, run, runUntil, status };
}

/** The proof workflow: model call → approval gate → action (write a file) → model call requiring approval → model call. */
export function fiveSteps(dir: string, name = 'report') {
  return {
    name,
    description: 'outline, gate, write, review, final',
    params_schema: { type: 'object', properties: { topic: { type: 'string', minLength: 1 } }, required: ['topic'] },
    steps: [
      { name: 'outline', step_type: 'model_call', params: { prompt: 'Outline {{inputs.topic}}' } },
      { name: 'gate', step_type: 'approval_gate', params: { message: 'Check the outline before it is written' } },
      {
        name: 'write',
        step_type: 'action',
        tool_name: 'desktop_write_text',
        params: { path: `${dir}/${name}-{{inputs.topic}}.txt`, content: '{{steps.outline.output}}' },
      },
      { name: 'review', step_type: 'model_call', requires_approval: true, params: { prompt: 'Review: {{steps.outline.output}}' } },
      { name: 'final', step_type: 'model_call', params: { prompt: 'Final for {{inputs.topic}} after {{steps.review.output}}' } },
    ],
  };
}
