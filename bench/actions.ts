// Actions figures: propose latency (policy evaluation + insert + audit + notification), propose+approve of a
// real write (executes), and the pending list with many pending actions. Run after `npm run build`:
//   node --import tsx bench/actions.ts
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '../test/helpers/server';

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const fmt = (xs: number[]) => ({ n: xs.length, p50_ms: +pct(xs, 50).toFixed(2), p99_ms: +pct(xs, 99).toFixed(2) });

async function main() {
  const ws = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'agentora-bench-actions-')));
  const s = await startServer({ AGENTORA_ALLOWED_PATH_ROOTS: ws });
  try {
    const post = (p: string, body: unknown) => s.fetch(p, { method: 'POST', body: JSON.stringify(body) }).then((r) => r.json());
    const proposeMs: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const t = performance.now();
      await post('/api/actions', { tool_name: 'desktop_write_text', params: { path: `d/f${i}.txt`, content: 'x'.repeat(100) } });
      proposeMs.push(performance.now() - t);
    }
    const pendingMs: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t = performance.now();
      await s.fetch('/api/actions/pending?limit=100').then((r) => r.json());
      pendingMs.push(performance.now() - t);
    }
    const approveMs: number[] = [];
    const { items } = await s.fetch('/api/actions/pending?limit=300').then((r) => r.json());
    for (const it of items as { id: number }[]) {
      const t = performance.now();
      await post(`/api/actions/${it.id}/approve`, {});
      approveMs.push(performance.now() - t);
    }
    console.log(
      JSON.stringify({ propose_write: fmt(proposeMs), pending_list_1000_pending: fmt(pendingMs), approve_and_write: fmt(approveMs) }, null, 2),
    );
  } finally {
    await s.stop();
    rmSync(ws, { recursive: true, force: true });
  }
}
void main();
