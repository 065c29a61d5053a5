// The duplicate and conflict scans. They read current memories in chunks of CHUNK rows and yield to the event
// loop between chunks (requests keep being served while a scan runs over 200k memories). Findings become
// proposals (see proposals.ts); nothing is merged or superseded here.
import type { ServerContext } from '../../context';
import { keyValues, polarity } from './facts';
import { BANDS, NUM_HASHES, ROWS, estimateJaccard, fromBlob } from './minhash';
import { verifyCandidates } from './scanVerify';
import { propose } from './proposals';
import { nowIso } from './text';

const CHUNK = 5000;
/** Texts parsed per slice in the conflict scan (regex work, heavier per row than reading sketches). */
const TEXT_CHUNK = 1500;
/** Findings recorded per scan at most, so a pathological store cannot flood the review queue in one go. */
export const MAX_FINDINGS = 2000;

export const yieldLoop = () => new Promise<void>((r) => setImmediate(r));

export interface ScanReport {
  scanned: number;
  found: number;
  proposalIds: number[];
  capped: boolean;
  /** Where the near-duplicate verification ran (duplicate scan only). */
  where?: { worker_batches: number; fallback_batches: number; local_batches: number };
}

type Progress = (fraction: number, message: string) => void;
/** Called inside the transaction that creates a proposal, so the job's report and the proposal commit together. */
type OnCreated = (proposalId: number) => void;

interface Finding {
  kind: 'duplicate' | 'conflict';
  subkind: 'exact' | 'near' | 'negation' | 'value';
  ids: number[];
  similarity: number | null;
  detail: string;
}

/** Store findings as proposals, 100 per transaction with a yield between, so a big scan never stalls requests. */
async function record(ctx: ServerContext, findings: Finding[], createdBy: string, report: ScanReport, onCreated?: OnCreated): Promise<void> {
  const now = nowIso();
  for (let i = 0; i < findings.length; i += 100) {
    ctx.db.transaction(() => {
      for (const f of findings.slice(i, i + 100)) {
        if (report.proposalIds.length >= MAX_FINDINGS) {
          report.capped = true;
          return;
        }
        const p = propose(ctx.db, { ...f, createdBy }, now);
        report.found++;
        if (p?.created) {
          report.proposalIds.push(p.id);
          onCreated?.(p.id);
        }
      }
    })();
    if (report.capped) return;
    await yieldLoop();
  }
}

class UnionFind {
  private parent = new Map<number, number>();
  find(x: number): number {
    let p = this.parent.get(x) ?? x;
    if (p !== x) {
      p = this.find(p);
      this.parent.set(x, p);
    }
    return p;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent.set(Math.max(ra, rb), Math.min(ra, rb));
  }
}

export async function scanDuplicates(
  ctx: ServerContext,
  createdBy: string,
  progress: Progress,
  onCreated?: OnCreated,
  signal?: AbortSignal,
): Promise<ScanReport> {
  const report: ScanReport = { scanned: 0, found: 0, proposalIds: [], capped: false };
  const threshold = ctx.config['memory.nearDuplicateThreshold'];

  // Exact: same normalized-text hash — a GROUP BY over the partial index alone (no table rows read), in 16
  // slices by the hash's first hex digit with a yield between, then the members of each repeated hash.
  const groups = ctx.db
    .prepare(`SELECT norm_hash FROM memories INDEXED BY memories_norm_hash WHERE status = 'active' AND norm_hash >= ? AND norm_hash < ?
    GROUP BY norm_hash HAVING COUNT(*) > 1 LIMIT ?`);
  const members = ctx.db.prepare(`SELECT id FROM memories WHERE norm_hash = ? AND status = 'active' AND valid_to IS NULL ORDER BY id`).pluck();
  const exact: number[][] = [];
  const HEX = '0123456789abcdef';
  for (let i = 0; i < 16 && exact.length < MAX_FINDINGS; i++) {
    for (const h of groups.all(HEX[i]!, i < 15 ? HEX[i + 1]! : 'g', MAX_FINDINGS) as { norm_hash: string }[]) {
      const ids = members.all(h.norm_hash) as number[];
      if (ids.length > 1) exact.push(ids);
    }
    await yieldLoop();
  }
  await record(
    ctx,
    exact.map((ids) => ({ kind: 'duplicate', subkind: 'exact', ids, similarity: 1, detail: 'same normalized text' })),
    createdBy,
    report,
    onCreated,
  );
  progress(0.1, `${exact.length} exact duplicate group(s)`);

  // Near: load every current signature into one typed array, then LSH band by band.
  const total = (ctx.db.prepare(`SELECT COUNT(*) AS n FROM memories WHERE status = 'active' AND valid_to IS NULL`).get() as { n: number }).n;
  const ids = new Int32Array(total);
  const sigs = new Uint32Array(total * NUM_HASHES);
  const page = ctx.db.prepare(`SELECT s.memory_id AS id, s.minhash FROM memory_sketches s JOIN memories m ON m.id = s.memory_id
    WHERE m.status = 'active' AND m.valid_to IS NULL AND s.memory_id > ? ORDER BY s.memory_id LIMIT ?`);
  let n = 0;
  let after = 0;
  for (;;) {
    const rows = page.all(after, CHUNK) as { id: number; minhash: Buffer }[];
    if (!rows.length) break;
    for (const r of rows) {
      if (n >= total) break;
      ids[n] = r.id;
      sigs.set(fromBlob(r.minhash), n * NUM_HASHES);
      n++;
    }
    after = rows[rows.length - 1]!.id;
    progress(0.1 + 0.3 * (n / Math.max(1, total)), `read ${n} of ${total} sketches`);
    await yieldLoop();
  }
  report.scanned = n;
  const sigAt = (i: number) => sigs.subarray(i * NUM_HASHES, (i + 1) * NUM_HASHES);
  const pairs = new Map<string, [number, number, number]>();
  const consider = (a: number, b: number) => {
    const key = a < b ? `${a},${b}` : `${b},${a}`;
    if (pairs.has(key)) return;
    const est = estimateJaccard(sigAt(a), sigAt(b));
    if (est >= threshold - 0.05) pairs.set(key, [a, b, est]);
  };
  for (let band = 0; band < BANDS; band++) {
    const first = new Map<number, number>();
    const last = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      let h = 0x811c9dc5 ^ band;
      for (let r = 0; r < ROWS; r++) h = Math.imul(h ^ sigs[i * NUM_HASHES + band * ROWS + r]!, 0x01000193) >>> 0;
      const f = first.get(h);
      if (f === undefined) first.set(h, i);
      else {
        consider(f, i);
        const l = last.get(h);
        if (l !== undefined && l !== f) consider(l, i);
        last.set(h, i);
      }
      if (i % CHUNK === CHUNK - 1) await yieldLoop();
    }
    progress(0.4 + 0.4 * ((band + 1) / BANDS), `LSH band ${band + 1}/${BANDS}: ${pairs.size} candidate pair(s)`);
    await yieldLoop();
  }

  // Verify candidates exactly on their shingles (on a worker or here: scanVerify.ts), then cluster.
  const candidates = [...pairs.values()].map(([a, b]) => [ids[a]!, ids[b]!] as const);
  const verified = await verifyCandidates(ctx, candidates, threshold, createdBy, (f, m) => progress(0.8 + 0.15 * f, m), signal);
  report.where = { worker_batches: verified.worker_batches, fallback_batches: verified.fallback_batches, local_batches: verified.local_batches };
  const uf = new UnionFind();
  const sims = new Map<number, number>();
  for (const { a: ia, b: ib, similarity: j } of verified.pairs) {
    uf.union(ia, ib);
    sims.set(ia, Math.min(sims.get(ia) ?? 1, j));
    sims.set(ib, Math.min(sims.get(ib) ?? 1, j));
  }
  const clusters = new Map<number, number[]>();
  for (const id of sims.keys()) {
    const root = uf.find(id);
    clusters.set(root, [...(clusters.get(root) ?? []), id]);
  }
  await record(
    ctx,
    [...clusters.values()].map((members) => {
      const sim = Math.min(...members.map((m) => sims.get(m) ?? 1));
      return {
        kind: 'duplicate',
        subkind: 'near',
        ids: members,
        similarity: Math.round(sim * 1000) / 1000,
        detail: `near duplicates: word-shingle similarity ≥ ${sim.toFixed(2)}`,
      };
    }),
    createdBy,
    report,
    onCreated,
  );
  progress(1, `${report.proposalIds.length} new duplicate proposal(s)`);
  return report;
}

export async function scanConflicts(ctx: ServerContext, createdBy: string, progress: Progress, onCreated?: OnCreated): Promise<ScanReport> {
  const report: ScanReport = { scanned: 0, found: 0, proposalIds: [], capped: false };
  const total = (ctx.db.prepare(`SELECT COUNT(*) AS n FROM memories WHERE status = 'active' AND valid_to IS NULL`).get() as { n: number }).n;
  const page = ctx.db.prepare(
    `SELECT id, text, repo, persona FROM memories WHERE status = 'active' AND valid_to IS NULL AND id > ? ORDER BY id LIMIT ?`,
  );
  // partition|key → value → ids (newest last); partition|signature → polarity → ids
  const values = new Map<string, Map<string, number[]>>();
  const polar = new Map<string, { pos: number[]; neg: number[] }>();
  let after = 0;
  for (;;) {
    const rows = page.all(after, TEXT_CHUNK) as { id: number; text: string; repo: string | null; persona: string | null }[];
    if (!rows.length) break;
    for (const r of rows) {
      const part = `${r.repo ?? ''}|${r.persona ?? ''}`;
      for (const kv of keyValues(r.text)) {
        const val = kv.negated ? `not ${kv.value}` : kv.value;
        const k = `${part}|${kv.key}`;
        let byVal = values.get(k);
        if (!byVal) values.set(k, (byVal = new Map()));
        byVal.set(val, [...(byVal.get(val) ?? []).slice(-3), r.id]);
      }
      const pol = polarity(r.text);
      if (pol) {
        const k = `${part}|${pol.signature}`;
        let g = polar.get(k);
        if (!g) polar.set(k, (g = { pos: [], neg: [] }));
        (pol.negated ? g.neg : g.pos).push(r.id);
      }
    }
    report.scanned += rows.length;
    after = rows[rows.length - 1]!.id;
    progress(0.8 * (report.scanned / Math.max(1, total)), `read ${report.scanned} of ${total} memories`);
    await yieldLoop();
  }
  const findings: Finding[] = [];
  for (const [k, byVal] of values) {
    if (byVal.size < 2) continue;
    const key = k.split('|').slice(2).join('|');
    // Compare the newest memory of each value with the newest of every other value (at most 4 values).
    const heads = [...byVal.entries()].map(([v, list]) => [v, list[list.length - 1]!] as const).slice(0, 4);
    for (let i = 0; i < heads.length; i++)
      for (let j = i + 1; j < heads.length; j++) {
        const [va, a] = heads[i]!;
        const [vb, b] = heads[j]!;
        const negation = va === `not ${vb}` || vb === `not ${va}`;
        findings.push({
          kind: 'conflict',
          subkind: negation ? 'negation' : 'value',
          ids: [a, b],
          similarity: null,
          detail: negation ? `"${key}": "${va}" (#${a}) vs "${vb}" (#${b})` : `"${key}" has different values: "${va}" (#${a}) vs "${vb}" (#${b})`,
        });
      }
    if (findings.length > MAX_FINDINGS * 2) break;
  }
  for (const [k, g] of polar) {
    if (!g.pos.length || !g.neg.length) continue;
    const statement = k.split('|').slice(2).join('|');
    for (const a of g.pos.slice(-2))
      for (const b of g.neg.slice(-2))
        findings.push({
          kind: 'conflict',
          subkind: 'negation',
          ids: [a, b],
          similarity: null,
          detail: `#${a} states and #${b} negates the same thing (${statement})`,
        });
    if (findings.length > MAX_FINDINGS * 3) break;
  }
  await record(ctx, findings, createdBy, report, onCreated);
  progress(1, `${report.proposalIds.length} new conflict proposal(s)`);
  return report;
}
