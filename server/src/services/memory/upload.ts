// Uploads: a text, Markdown or PDF file (JSON `{filename, content_base64 | text}`, no multipart dependency)
// becomes chunk memories with source = upload and source_ref = "<filename>#<n>/<total>".
import type { ServerContext } from '../../context';
import { randomUUID } from 'node:crypto';
import { AppError, notFound } from '../../protocol/errors';
import * as M from '../../protocol/memory';
import { implement } from '../registry';
import { changed, createOne } from './capsules';
import { chunkText } from './chunk';
import { wakeEmbedder } from './embedder';
import { extractPdfText } from './pdf';
import { sql, updateMemory, type MemoryRow } from './store';
import { nowIso } from './text';

const MAX_BYTES = 8 * 1024 * 1024;
const MAX_CHUNKS = 5000;

function bad(path: string, message: string): AppError {
  return new AppError('bad_request', `Invalid params: ${path}: ${message}`, [{ path, message }]);
}

export async function decodeUpload(p: {
  filename: string;
  content_base64?: string;
  text?: string;
}): Promise<{ format: 'text' | 'markdown' | 'pdf'; text: string; warnings: string[] }> {
  const warnings: string[] = [];
  let bytes: Buffer | null = null;
  if (p.content_base64 !== undefined) {
    const b64 = p.content_base64.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 === 1) throw bad('content_base64', 'is not valid base64');
    bytes = Buffer.from(b64, 'base64');
    if (bytes.length > MAX_BYTES) throw bad('content_base64', `the file is larger than ${MAX_BYTES} bytes`);
  }
  const ext = /\.([a-z0-9]+)$/i.exec(p.filename)?.[1]?.toLowerCase() ?? '';
  if (bytes && (ext === 'pdf' || bytes.toString('latin1', 0, 5) === '%PDF-')) {
    let pdf;
    try {
      pdf = await extractPdfText(bytes);
    } catch (err) {
      throw bad('content_base64', `cannot read the PDF: ${(err as Error).message}`);
    }
    if (!pdf.text.trim()) throw bad('content_base64', 'the PDF has no extractable text (scanned images, or fonts without a simple encoding)');
    if (pdf.empty_pages) warnings.push(`${pdf.empty_pages} of ${pdf.pages} page(s) had no text (scanned images?) and were skipped`);
    return { format: 'pdf', text: pdf.text, warnings };
  }
  const text = bytes ? bytes.toString('utf8') : p.text!;
  if (text.includes('\u0000')) throw bad(bytes ? 'content_base64' : 'text', 'looks like a binary file; upload text, Markdown or PDF');
  if (!text.trim()) throw bad(bytes ? 'content_base64' : 'text', 'the file is empty');
  if (bytes && text.includes('\ufffd')) warnings.push('the file is not valid UTF-8; undecodable bytes were replaced');
  return { format: ['md', 'markdown', 'mdx'].includes(ext) ? 'markdown' : 'text', text, warnings };
}

export const uploadServices = [
  implement(M.upload, async (p, ctx: ServerContext) => {
    const doc = await decodeUpload(p);
    const chunks = chunkText(doc.text, { maxChars: p.max_chunk_chars, overlapChars: p.overlap_chars, markdown: doc.format === 'markdown' });
    if (chunks.length > MAX_CHUNKS)
      throw bad('content_base64', `the file makes ${chunks.length} chunks (more than ${MAX_CHUNKS}); raise max_chunk_chars or split it`);
    const now = nowIso();
    // One batch id for the whole file, so an upload can be reviewed and undone as one thing.
    const batchId = `upload-${randomUUID()}`;
    const setBatch = sql(ctx.db, 'UPDATE memories SET batch_id = ? WHERE id = ?');
    const ids = ctx.db.transaction(() =>
      chunks.map((text, i) => {
        const id = createOne(
          ctx,
          {
            text,
            kind: p.kind,
            source: 'upload',
            source_ref: `${p.filename}#${i + 1}/${chunks.length}`,
            scope: p.scope,
            repo: p.repo,
            persona: p.persona,
            layer: p.layer,
            trust: p.trust,
          },
          [],
          now,
        ).id;
        setBatch.run(batchId, id);
        return id;
      }),
    )();
    wakeEmbedder(ctx);
    changed(ctx, 'uploaded', ids);
    return { ok: true, filename: p.filename, format: doc.format, chunks: ids.length, capsule_ids: ids, warnings: doc.warnings, batch_id: batchId };
  }),
  implement(M.batches, (p, ctx) => {
    const rows = sql(
      ctx.db,
      `SELECT batch_id, MIN(created_at) AS created_at, MIN(source_ref) AS ref, COUNT(*) AS count, SUM(status = 'active') AS active
       FROM memories WHERE batch_id IS NOT NULL GROUP BY batch_id ORDER BY MIN(id) DESC LIMIT ? OFFSET ?`,
    ).all(p.limit, p.offset) as { batch_id: string; created_at: string; ref: string | null; count: number; active: number }[];
    const total = (sql(ctx.db, 'SELECT COUNT(DISTINCT batch_id) AS n FROM memories WHERE batch_id IS NOT NULL').get() as { n: number }).n;
    // source_ref is "<filename>#<n>/<total>": the file name is everything before the last '#'.
    const items = rows.map((r) => ({
      batch_id: r.batch_id,
      created_at: r.created_at,
      count: r.count,
      active: r.active,
      filename: (r.ref ?? '').replace(/#[^#]*$/, ''),
    }));
    return { ok: true, items, total };
  }),
  implement(M.undoBatch, (p, ctx) => {
    const rows = sql(ctx.db, `SELECT * FROM memories WHERE batch_id = ? ORDER BY id`).all(p.batch_id) as MemoryRow[];
    if (!rows.length) throw notFound('upload batch', p.batch_id);
    const active = rows.filter((r) => r.status === 'active');
    const now = nowIso();
    ctx.db.transaction(() => {
      for (const r of active) updateMemory(ctx.db, r, { status: 'archived' }, `upload batch ${p.batch_id} undone`, now);
    })();
    changed(
      ctx,
      'upload_undone',
      active.map((r) => r.id),
    );
    return { ok: true, batch_id: p.batch_id, archived: active.length };
  }),
];
