// Attachments of a run. The REST door takes multipart (@fastify/multipart, one file ≤ 8 MB — larger is a 413
// before anything is stored); every door then runs the same service: the file is decoded by the memory upload
// path (text / Markdown / PDF; binary or empty refused with a 400 naming the field), kept under a safe name in
// `<dataDir>/attachments/<run>/` (directory 0700, file 0600; the data dir is a blocked root for agents' file
// tools), fed to memory as one upload batch, and recorded in the run's trace (`attachment`).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import multipart from '@fastify/multipart';
import { UploadParams, upload } from '../../protocol/memoryLineage';
import { ATTACHMENT_MAX_BYTES, UPLOADED, attach, listAttachments, type Attachment } from '../../protocol/runsAttachments';
import { decodeUpload, uploadServices } from '../memory/upload';
import { implement } from '../registry';
import { runOr404 } from './lookup';
import { runStore } from './runStore';

/** A file name that is safe to store and show: no path parts, no control or shell characters, not hidden. */
export function safeFileName(name: string): string {
  const base = name.normalize('NFKC').split(/[\\/]/).pop() ?? '';
  const clean = base
    .replace(/[^\p{L}\p{N}._ -]+/gu, '_')
    .replace(/\s+/g, ' ')
    .replace(/^[.\s_-]+/, '')
    .trim();
  const capped = clean.length > 120 ? clean.slice(0, 60) + '…' + clean.slice(-59) : clean;
  return capped || 'attachment';
}

const uploadImpl = uploadServices.find((i) => i.spec === upload)!;

export const attachmentServices = [
  implement(attach, async (p, ctx, call) => {
    runOr404(ctx, p.id);
    const original = p.filename!;
    const filename = safeFileName(original);
    // Decoded first: a file the upload path refuses is refused before anything is stored.
    await decodeUpload({ ...p, filename });
    const bytes = p.content_base64 !== undefined ? Buffer.from(p.content_base64, 'base64') : Buffer.from(p.text!, 'utf8');
    const dir = path.join(ctx.config.dataDir, 'attachments', p.id);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const up = (await uploadImpl.handler(UploadParams.parse({ filename, content_base64: bytes.toString('base64') }), ctx, call)) as {
      format: Attachment['format'];
      chunks: number;
      capsule_ids: number[];
      warnings: string[];
      batch_id: string;
    };
    const file = path.join(dir, `${up.batch_id}-${filename}`);
    try {
      writeFileSync(file, bytes, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      rmSync(file, { force: true });
      throw err;
    }
    const rs = runStore(ctx.db);
    const at = new Date().toISOString();
    const record = {
      run_id: p.id,
      filename,
      original_filename: filename === original ? null : original,
      bytes: bytes.length,
      format: up.format,
      chunks: up.chunks,
      capsule_ids: up.capsule_ids,
      batch_id: up.batch_id,
      warnings: up.warnings,
      created_at: at,
    };
    const id = rs.event(p.id, null, 'attachment', { ...record, stored_as: path.relative(ctx.config.dataDir, file) });
    return { ok: true as const, run_id: p.id, attachment: { id, ...record } };
  }),
  implement(listAttachments, (p, ctx) => {
    runOr404(ctx, p.id);
    const items = runStore(ctx.db)
      .events(p.id)
      .filter((e) => e.event_type === 'attachment')
      .map(({ id, payload: { stored_as: _s, ...a } }) => ({ ...(a as Omit<Attachment, 'id'>), id }));
    return { ok: true as const, items };
  }),
];

/** Multipart bodies for the attachments route: the file part becomes `{[UPLOADED]: true, filename, content_base64}`. */
export function mountAttachmentParser(app: FastifyInstance): void {
  void app.register(multipart, {
    attachFieldsToBody: 'keyValues',
    limits: { fileSize: ATTACHMENT_MAX_BYTES, files: 1, fields: 10, fieldSize: 64 * 1024 },
    async onFile(part) {
      const buf = await part.toBuffer();
      (part as unknown as { value: unknown }).value = { [UPLOADED]: true, filename: part.filename, content_base64: buf.toString('base64') };
    },
  });
}
