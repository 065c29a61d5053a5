// Attachments of a run: a file given to a run (REST: multipart `file`; JSON-RPC / MCP: `{filename,
// content_base64 | text}`) is kept privately in the data dir and fed to memory through the memory upload path
// (chunked, source `upload`, one batch), so the run's agents find it with memory_search.
import { z } from 'zod';
import { defineMethod } from './define';

export const Attachment = z.object({
  id: z.number().int(),
  run_id: z.string(),
  /** The safe name it is stored under (path parts and unusual characters removed). */
  filename: z.string(),
  /** The name the client sent, when it was not safe as it was. */
  original_filename: z.string().nullable(),
  bytes: z.number().int(),
  format: z.enum(['text', 'markdown', 'pdf']),
  chunks: z.number().int(),
  capsule_ids: z.array(z.number().int()),
  batch_id: z.string(),
  warnings: z.array(z.string()),
  created_at: z.string(),
});
export type Attachment = z.infer<typeof Attachment>;

/** Largest attachment (the memory upload path's cap). */
export const ATTACHMENT_MAX_BYTES = 8 * 1024 * 1024;

/** What the multipart parser puts in the body for a file part (see services/teams/attachments.ts). */
export const UPLOADED = '__agentora_uploaded_file';
type Uploaded = { [UPLOADED]: true; filename: string; content_base64: string };
const isUploaded = (v: unknown): v is Uploaded => typeof v === 'object' && v !== null && UPLOADED in v;

export const AttachParams = z
  .object({
    id: z.string().min(1).max(80),
    /** Required with content_base64 / text (a multipart part brings its own). */
    filename: z.string().trim().min(1).max(300).optional(),
    content_base64: z.string().min(1).max(12_000_000).optional(),
    text: z.string().min(1).max(ATTACHMENT_MAX_BYTES).optional(),
  })
  .refine((p) => (p.content_base64 === undefined) !== (p.text === undefined), {
    message: 'give exactly one file (multipart field `file`), or one of content_base64 or text',
    path: ['file'],
  })
  .refine((p) => p.filename !== undefined || (p.content_base64 === undefined && p.text === undefined), {
    message: 'name the file',
    path: ['filename'],
  });

export const attach = defineMethod({
  method: 'agentora/runs/attach',
  description:
    'Attach a text, Markdown or PDF file to a run (REST: multipart field `file`, ≤ 8 MB): stored privately, fed to memory through the upload path.',
  params: AttachParams,
  result: z.object({ ok: z.literal(true), run_id: z.string(), attachment: Attachment }),
  rest: {
    verb: 'POST',
    path: '/api/runs/:id/attachments',
    status: 201,
    wire: {
      schema: z.looseObject({
        ok: z.literal(true),
        run_id: z.string(),
        attachment: z.looseObject({ filename: z.string(), chunks: z.number(), capsule_ids: z.array(z.number()), batch_id: z.string() }),
      }),
      // A multipart body arrives as `{file: <uploaded>, …fields}`: the file's name and bytes become the params.
      fromWire: (p) => {
        const files = Object.entries(p).filter(([, v]) => isUploaded(v));
        if (!files.length) return p;
        const rest = Object.fromEntries(Object.entries(p).filter(([, v]) => !isUploaded(v)));
        const f = files[0]![1] as Uploaded;
        return { ...rest, filename: f.filename, content_base64: f.content_base64 };
      },
    },
  },
});

export const listAttachments = defineMethod({
  method: 'agentora/runs/attachments',
  description: "A run's attachments, oldest first.",
  params: z.object({ id: z.string().min(1).max(80) }),
  result: z.object({ ok: z.literal(true), items: z.array(Attachment) }),
  rest: { verb: 'GET', path: '/api/runs/:id/attachments' },
  readOnly: true,
});

export const runsAttachmentMethods = [attach, listAttachments] as const;
