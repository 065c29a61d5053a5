// The event stream under a client that stops reading (issue 9 #16): the server's memory stays bounded, the
// stalled client is dropped with a reason, a healthy client misses nothing, and a client that comes back with
// Last-Event-ID gets the events still in the replay window (and is told when some are gone).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { startServer, type TestServer } from '../helpers/server';

interface Ev { id?: string; event?: string; data?: string }

function parse(text: string): Ev[] {
  return text.split('\n\n').filter((b) => /^(id|event|data):/m.test(b)).map((b) => ({
    id: /^id: (.*)$/m.exec(b)?.[1], event: /^event: (.*)$/m.exec(b)?.[1], data: /^data: (.*)$/m.exec(b)?.[1],
  }));
}

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

/** A fetch-based SSE reader that keeps everything it gets. */
function reader(s: TestServer, headers: Record<string, string> = {}) {
  const ctl = new AbortController();
  const events: Ev[] = [];
  let buf = '';
  const done = (async () => {
    const res = await s.fetch('/api/events', { headers, signal: ctl.signal });
    const r = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done: end } = await r.read();
      if (end) break;
      buf += value;
      const i = buf.lastIndexOf('\n\n');
      if (i >= 0) {
        events.push(...parse(buf.slice(0, i + 2)));
        buf = buf.slice(i + 2);
      }
    }
  })().catch(() => undefined);
  return { events, stop: () => ctl.abort(), done };
}

async function until(cond: () => boolean, what: string, ms = 30000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('SSE: bounded per-client buffers, drop with a reason, resume from Last-Event-ID', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer();
  });
  after(() => s.stop());

  const propose = (content: string) => s.fetch('/api/actions', { method: 'POST', body: JSON.stringify({ tool_name: 'desktop_write_text', params: { path: `${s.dataDir}/blocked.txt`, content } }) }).then((r) => r.json() as Promise<{ item: { id: number } }>).then((b) => b.item); // the wire shape {ok, item}

  test('a short disconnect loses nothing: the resumed stream replays exactly what was missed', async () => {
    const a = reader(s);
    await propose('first');
    await until(() => a.events.length >= 1, 'the first event');
    const last = a.events.at(-1)!.id!;
    assert.match(last, /^[0-9a-f]+\.\d+$/);
    a.stop();
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push((await propose(`missed ${i}`)).id);
    const b = reader(s, { 'Last-Event-ID': last });
    await until(() => b.events.length >= 5, 'the replayed events');
    assert.deepEqual(b.events.slice(0, 5).map((e) => JSON.parse(e.data!).action.id), ids);
    assert.ok(!b.events.some((e) => e.event === 'agentora/events/didMiss'));
    b.stop();
  });

  test('a client that never reads: RSS stays bounded, it is dropped with a reason, a healthy client gets everything, a resume gets the window', async () => {
    const port = Number(new URL(s.url).port);
    // 100 KB per event, 250 events: 25 MB the server would otherwise queue for each stalled client.
    const big = 'x'.repeat(100 * 1024);
    const burst = async () => {
      let top = 0;
      for (let i = 0; i < 250; i += 10) {
        const batch = await Promise.all(Array.from({ length: 10 }, () => propose(big)));
        top = Math.max(top, ...batch.map((b) => b.id));
      }
      return top;
    };
    // The same burst once with no stalled client: the server's heap grows to its working size for this load
    // (parsing and storing 60 MB of proposals), so the second burst's growth is what the stalled client costs.
    await burst();
    const healthy = reader(s);
    // Eight stalled clients: raw sockets that read the first event, then stop reading for good.
    const stalled = await Promise.all(Array.from({ length: 8 }, async () => {
      const sock = net.connect(port, '127.0.0.1');
      const c = { sock, raw: '' };
      sock.on('data', (d) => (c.raw += d.toString('latin1')));
      await new Promise((r) => sock.once('connect', r));
      sock.write(`GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${s.token}\r\n\r\n`);
      await until(() => c.raw.includes(': connected'), 'a stalled client to subscribe');
      return c;
    }));
    await propose('before the stall');
    await until(() => stalled.every((c) => /\nid: /.test(c.raw)), 'the stalled clients to get one event');
    const lastSeen = /id: (\S+)/.exec(stalled[0]!.raw)![1]!;
    for (const c of stalled) c.sock.pause();
    const before = rssMb(s.proc.pid!);

    const lastId = await burst();
    const grown = rssMb(s.proc.pid!) - before;
    console.log(`RSS before ${before.toFixed(1)} MB, growth ${grown.toFixed(1)} MB while 25 MB of events went to each of 8 clients that never read (200 MB unbounded)`);
    assert.ok(grown < 100, `RSS grew by ${grown.toFixed(1)} MB`);

    // The stalled clients read again: each backlog ends with the reason it was dropped, then the stream closes.
    await Promise.all(stalled.map((c) => {
      const closed = new Promise((r) => c.sock.once('close', r));
      c.sock.resume();
      return closed;
    }));
    for (const [i, c] of stalled.entries()) assert.ok(c.raw.includes('event: agentora/events/didDrop'), `stalled client ${i} was told why it was dropped (${c.raw.length} bytes read)`);
    const got = parse(stalled[0]!.raw.slice(stalled[0]!.raw.indexOf('\r\n\r\n') + 4));
    const drop = got.find((e) => e.event === 'agentora/events/didDrop');
    assert.ok(drop, 'the stalled client was told why it was dropped');
    assert.match(JSON.parse(drop.data!).reason, /it fell behind: the events after \S+ are no longer kept .*limit 1048576/);
    // The healthy client got every event, in order.
    await until(() => healthy.events.some((e) => e.data && JSON.parse(e.data).action?.id === lastId), 'the healthy client to catch up', 60000);
    healthy.stop();
    const healthySeqs = healthy.events.filter((e) => e.id).map((e) => Number(e.id!.split('.')[1]));
    assert.ok(healthySeqs.length >= 250 && healthySeqs.every((n, i) => i === 0 || n === healthySeqs[i - 1]! + 1), 'the healthy client missed nothing');
    assert.ok(!healthy.events.some((e) => e.event === 'agentora/events/didDrop'), 'the healthy client was not dropped');

    const lastReceived = got.filter((e) => e.id).at(-1)!.id!;
    assert.ok(Number(lastReceived.split('.')[1]) < Number(/\.(\d+)$/.exec(healthy.events.at(-1)!.id!)![1]) - 100, 'it was dropped long before the end');
    assert.notEqual(lastReceived, lastSeen);

    // It resumes from its last id: told that some events are gone, then the ones still in the window, up to the last.
    const resumed = reader(s, { 'Last-Event-ID': lastReceived });
    await until(() => resumed.events.some((e) => e.data && JSON.parse(e.data).action?.id === lastId), 'the resumed client to reach the last event', 60000);
    resumed.stop();
    assert.equal(resumed.events[0]!.event, 'agentora/events/didMiss');
    const seqs = resumed.events.filter((e) => e.id).map((e) => Number(e.id!.split('.')[1]));
    assert.ok(seqs.length >= 50, `the window replayed ${seqs.length} events`);
    for (let i = 1; i < seqs.length; i++) assert.equal(seqs[i], seqs[i - 1]! + 1, 'the replay has no holes');
  });
});
