// The PhiOS `http` compatibility transport: the routes the earlier brief documented, for a PhiOS-compatible HTTP
// service (PhiOS itself has none). Each write/read tries the documented path, then the older one on 404.
import { Upstream, type UpstreamOptions } from '../upstream';
import {
  type BridgeHealth,
  type ContextPackRequest,
  type MissionContextPacket,
  Persona,
  type PhiosBridge,
  UpstreamError,
  type WritebackRequest,
  type WritebackResult,
} from '../types';
import { packetFromObject, topicForRepo } from './packet';
import { writebackResult } from './writeback';

export type PhiosHttpOptions = Omit<UpstreamOptions, 'system' | 'refusedHint' | 'unauthorizedHint'>;

export class PhiosHttpBridge implements PhiosBridge {
  readonly transport = 'http' as const;
  private readonly up: Upstream;

  constructor(opts: PhiosHttpOptions) {
    this.up = new Upstream({
      ...opts,
      system: 'phios',
      refusedHint: `Start the PhiOS-compatible service or fix AGENTORA_PHIOS_URL (agentora.phios.url), now ${opts.baseUrl}. The real PhiOS has no HTTP server: use AGENTORA_PHIOS_TRANSPORT=mcp-stdio for it.`,
      unauthorizedHint: "Set AGENTORA_PHIOS_API_KEY (in VS Code: SecretStorage key agentora.phios.apiKey) to the service's key.",
    });
  }

  async health(readTimeoutMs?: number): Promise<BridgeHealth> {
    const base = { name: 'phios' as const, transport: 'http', mock: false };
    try {
      const r = await this.up.send('GET', '/health', { retry: true, readTimeoutMs });
      if (r.status !== 200) throw this.up.statusError(r.status, r.text, 'GET', '/health');
      this.up.parse(r.text, 'GET', '/health'); // a non-JSON answer means something else listens there
      return { ...base, ok: true, detail: `PhiOS-compatible service at ${this.up.opts.baseUrl} answers`, fix_hint: '', latency_ms: r.latencyMs };
    } catch (err) {
      const e = err as UpstreamError;
      return { ...base, ok: false, detail: e.message, fix_hint: e.fix_hint ?? '', latency_ms: null };
    }
  }

  async contextPack(req: ContextPackRequest): Promise<MissionContextPacket> {
    const body = { ...req, topic: topicForRepo(req.repo) };
    const data = await this.firstFound(['/mission/context-pack', '/context/pack'], body, true);
    return packetFromObject(data, req, 'phios-http');
  }

  /** Not retried (a second POST could store twice); the 404 fallback is a different route, not a retry. */
  async writeback(req: WritebackRequest): Promise<WritebackResult> {
    const body = { ...req, topic: topicForRepo(req.repo) };
    const data = await this.firstFound(['/mission/writeback', '/memory/write'], body, false);
    return writebackResult(data);
  }

  async persona(id: string): Promise<Persona | null> {
    try {
      const { data } = await this.up.json('GET', `/persona/${encodeURIComponent(id)}`, { retry: true });
      const obj = data && typeof data === 'object' && 'persona' in data ? (data as { persona: unknown }).persona : data;
      const p = Persona.safeParse(obj ?? {});
      if (!p.success) throw this.up.badReply(`GET /persona/${id}: not a persona`);
      return p.data;
    } catch (err) {
      if (err instanceof UpstreamError && err.kind === 'not_found') return null;
      throw err;
    }
  }

  async close(): Promise<void> {
    this.up.close();
  }

  private async firstFound(paths: string[], body: unknown, retry: boolean): Promise<unknown> {
    let last: UpstreamError | null = null;
    for (const p of paths) {
      try {
        return (await this.up.json('POST', p, { body, retry })).data;
      } catch (err) {
        if (!(err instanceof UpstreamError) || err.kind !== 'not_found') throw err;
        last = err;
      }
    }
    throw new UpstreamError(
      'phios',
      'not_found',
      `${last?.message ?? 'not found'} (tried ${paths.join(' and ')})`,
      `${this.up.opts.baseUrl} serves neither route: is it a PhiOS-compatible service? The real PhiOS needs AGENTORA_PHIOS_TRANSPORT=mcp-stdio.`,
      404,
    );
  }
}
