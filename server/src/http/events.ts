// Server-sent events (`GET /api/events`): every server notification, as `id: <boot>.<n>` / `event: <name>` /
// `data: <json>`. Memory stays bounded whatever the clients do:
// - the server keeps a window of the latest events (count and bytes capped) for clients that reconnect with
//   `Last-Event-ID` (or `?last_event_id=`) and replays what they missed from it;
// - each client's unsent bytes are capped: a client that stops reading is dropped with a reason (logged, and
//   sent as a final `agentora/events/didDrop` event should it read again) and can resume from its last id.
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { EventBus } from '../events';
import type { Logger } from '../log';

const HEARTBEAT_MS = 15_000;

export interface SseLimits {
  /** Unsent bytes a client may have queued before it is dropped. */
  maxClientBufferBytes: number;
  /** Events kept for replay, at most this many … */
  windowEvents: number;
  /** … and at most this many bytes. */
  windowBytes: number;
}

export const DEFAULT_SSE_LIMITS: SseLimits = { maxClientBufferBytes: 1024 * 1024, windowEvents: 1000, windowBytes: 8 * 1024 * 1024 };

interface Framed {
  n: number;
  text: string;
}

/** The replay window: framed events in id order, trimmed from the front. */
export class EventWindow {
  readonly boot = randomBytes(4).toString('hex');
  private next = 1;
  private events: Framed[] = [];
  private bytes = 0;

  constructor(private readonly limits: SseLimits) {}

  add(name: string, payload: unknown): Framed {
    const n = this.next++;
    const ev = { n, text: `id: ${this.boot}.${n}\nevent: ${name}\ndata: ${JSON.stringify(payload)}\n\n` };
    this.events.push(ev);
    this.bytes += ev.text.length;
    while (this.events.length > this.limits.windowEvents || (this.bytes > this.limits.windowBytes && this.events.length > 1)) {
      this.bytes -= this.events.shift()!.text.length;
    }
    return ev;
  }

  /** Events after `lastId`; `missed` when some are gone (older than the window, or another server run). */
  since(lastId: string): { events: Framed[]; missed: boolean } {
    const m = /^([0-9a-f]+)\.(\d+)$/.exec(lastId.trim());
    if (!m || m[1] !== this.boot) return { events: [...this.events], missed: true };
    const last = Number(m[2]);
    const oldest = this.events[0]?.n ?? this.next;
    return { events: this.events.filter((e) => e.n > last), missed: last + 1 < oldest };
  }
}

const dropEvent = (reason: string, lastId: string | null) => `event: agentora/events/didDrop\ndata: ${JSON.stringify({ reason, last_event_id: lastId })}\n\n`;

export function mountEvents(app: FastifyInstance, bus: EventBus, log: Logger, limits: SseLimits = DEFAULT_SSE_LIMITS): void {
  const window = new EventWindow(limits);
  const clients = new Set<(ev: Framed) => void>();
  // One subscription for all clients: each event is framed once, kept in the window, then offered to each client.
  const unsubscribe = bus.subscribe((name, payload) => {
    const ev = window.add(name, payload);
    for (const c of clients) c(ev);
  });
  app.addHook('onClose', async () => unsubscribe());

  app.get('/api/events', (req, reply) => {
    reply.hijack();
    const res: ServerResponse = reply.raw;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write(': connected\n\n');
    let lastSent: string | null = null;
    let dropped = false;
    const drop = (reason: string) => {
      if (dropped) return;
      dropped = true;
      cleanup();
      log.warn(`SSE client dropped: ${reason}`);
      res.end(dropEvent(reason, lastSent));
      // A client that does not read never lets end() finish: free the socket and its queue now.
      setImmediate(() => res.destroy());
    };
    const send = (ev: Framed) => {
      if (dropped) return;
      if (res.writableLength > limits.maxClientBufferBytes) {
        drop(`it stopped reading: ${res.writableLength} bytes were waiting (limit ${limits.maxClientBufferBytes}); reconnect with Last-Event-ID: ${lastSent ?? '(none)'} to get what is still in the window`);
        return;
      }
      res.write(ev.text);
      lastSent = `${window.boot}.${ev.n}`;
    };
    const header = req.headers['last-event-id'];
    const resumeFrom = (Array.isArray(header) ? header[0] : header) ?? (req.query as { last_event_id?: string }).last_event_id;
    if (resumeFrom) {
      const { events, missed } = window.since(resumeFrom);
      if (missed) res.write(`event: agentora/events/didMiss\ndata: ${JSON.stringify({ reason: 'some events after this id are no longer kept (or the server restarted): reload the state', last_event_id: resumeFrom })}\n\n`);
      for (const ev of events) send(ev);
    }
    clients.add(send);
    const heartbeat = setInterval(() => {
      if (res.writableLength > limits.maxClientBufferBytes) drop('it stopped reading (heartbeat could not be queued)');
      else res.write(': keep-alive\n\n');
    }, HEARTBEAT_MS);
    heartbeat.unref();
    const cleanup = () => {
      clearInterval(heartbeat);
      clients.delete(send);
    };
    req.raw.on('close', cleanup);
  });
}
