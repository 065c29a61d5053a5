// Server-sent events (`GET /api/events`): every server notification, as `id: <boot>.<n>` / `event: <name>` /
// `data: <json>`. Memory stays bounded whatever the clients do:
// - the server keeps a window of the latest events (count and bytes capped) for clients that reconnect with
//   `Last-Event-ID` (or `?last_event_id=`) and replays what they missed from it;
// - each client is a cursor into that window and its socket's unsent bytes are capped (writes wait for 'drain');
//   a client that stops reading falls behind the window and is dropped with a reason (logged, and sent as a final
//   `agentora/events/didDrop` event should it read again); it can resume from its last id.
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { EventBus } from '../events';
import type { Logger } from '../log';

const HEARTBEAT_MS = 15_000;
/** How long a dropped client's last bytes (and the reason) wait to be read before the socket is closed. */
const DROP_GRACE_MS = 30_000;

export interface SseLimits {
  /** Unsent bytes a client's socket may hold; more events wait in the window until it drains. */
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

  /** `json` is the payload as JSON text (the bus makes it once per event for every transport). */
  add(name: string, json: string): Framed {
    const n = this.next++;
    const ev = { n, text: `id: ${this.boot}.${n}\nevent: ${name}\ndata: ${json}\n\n` };
    this.events.push(ev);
    this.bytes += ev.text.length;
    while (this.events.length > this.limits.windowEvents || (this.bytes > this.limits.windowBytes && this.events.length > 1)) {
      this.bytes -= this.events.shift()!.text.length;
    }
    return ev;
  }

  /** Sequence number of the oldest event still kept (= next when empty). */
  get oldest(): number {
    return this.events[0]?.n ?? this.next;
  }

  /** Sequence number the next event will get. */
  get upcoming(): number {
    return this.next;
  }

  get(n: number): Framed | undefined {
    return this.events[n - this.oldest];
  }

  /** Where a client resuming after `lastId` starts; `missed` when some events are gone (older than the window, or another server run). */
  resumeAt(lastId: string): { from: number; missed: boolean } {
    const m = /^([0-9a-f]+)\.(\d+)$/.exec(lastId.trim());
    if (!m || m[1] !== this.boot) return { from: this.oldest, missed: true };
    const from = Number(m[2]) + 1;
    return from < this.oldest ? { from: this.oldest, missed: true } : { from: Math.min(from, this.next), missed: false };
  }
}

const dropEvent = (reason: string, lastId: string | null) =>
  `event: agentora/events/didDrop\ndata: ${JSON.stringify({ reason, last_event_id: lastId })}\n\n`;

export function mountEvents(app: FastifyInstance, bus: EventBus, log: Logger, limits: SseLimits = DEFAULT_SSE_LIMITS): void {
  const window = new EventWindow(limits);
  const clients = new Set<() => void>();
  // One subscription for all clients: each event is framed once and kept in the window; clients read from there.
  // Clients are pumped once per event-loop turn, not once per event: 20 chats streaming tokens emit hundreds of
  // events per turn, and one socket write per event per client cost more than the rest of the server together.
  let pumpScheduled = false;
  const pumpAll = () => {
    pumpScheduled = false;
    for (const pump of clients) pump();
  };
  const unsubscribe = bus.subscribe((name, _payload, json) => {
    window.add(name, json());
    // No client connected (e.g. only the editor over LSP): nothing to pump, no extra event-loop callback per token.
    if (!pumpScheduled && clients.size > 0) {
      pumpScheduled = true;
      setImmediate(pumpAll);
    }
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
    // Each client is a cursor into the window, not a queue: it holds at most its socket's unsent bytes (capped).
    let cursor = window.upcoming;
    let dropped = false;
    const lastSent = () => (cursor > 1 ? `${window.boot}.${cursor - 1}` : null);
    const drop = (reason: string) => {
      if (dropped) return;
      dropped = true;
      cleanup();
      log.warn(`SSE client dropped: ${reason}`);
      // The reason goes last in the stream: a client that reads again soon gets its backlog, then why it was
      // dropped. One that never reads does not hold its (bounded) queue for long.
      res.end(dropEvent(reason, lastSent()));
      const kill = setTimeout(() => res.destroy(), DROP_GRACE_MS);
      kill.unref();
      res.once('close', () => clearTimeout(kill));
    };
    const pump = () => {
      if (dropped) return;
      if (cursor < window.oldest) {
        drop(
          `it fell behind: the events after ${lastSent() ?? '(none)'} are no longer kept (${res.writableLength} bytes were still unsent, limit ${limits.maxClientBufferBytes}); reconnect with Last-Event-ID to get what is still in the window`,
        );
        return;
      }
      // What is due goes out in one write (up to the client's buffer cap).
      let chunk = '';
      while (cursor < window.upcoming && res.writableLength + chunk.length < limits.maxClientBufferBytes) chunk += window.get(cursor++)!.text;
      if (chunk) res.write(chunk);
    };
    const header = req.headers['last-event-id'];
    const resumeFrom = (Array.isArray(header) ? header[0] : header) ?? (req.query as { last_event_id?: string }).last_event_id;
    if (resumeFrom) {
      const r = window.resumeAt(resumeFrom);
      if (r.missed)
        res.write(
          `event: agentora/events/didMiss\ndata: ${JSON.stringify({ reason: 'some events after this id are no longer kept (or the server restarted): reload the state', last_event_id: resumeFrom })}\n\n`,
        );
      cursor = r.from;
    }
    clients.add(pump);
    res.on('drain', pump);
    pump();
    const heartbeat = setInterval(() => {
      if (res.writableLength < limits.maxClientBufferBytes) res.write(': keep-alive\n\n');
    }, HEARTBEAT_MS);
    heartbeat.unref();
    const cleanup = () => {
      clearInterval(heartbeat);
      clients.delete(pump);
      res.off('drain', pump);
    };
    req.raw.on('close', cleanup);
  });
}
