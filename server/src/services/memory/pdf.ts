// PDF text for uploads, from a maintained library (unpdf = pdf.js) in a worker thread, never on the event loop.
// One worker per extraction (uploads are rare; a worker that hangs on a hostile file is terminated by the
// deadline and takes nothing else with it). Pages are joined with blank lines so the chunker sees their breaks.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

export interface PdfText {
  text: string;
  pages: number;
  /** Pages that yielded no text (scans, or images of text). */
  empty_pages: number;
}

const DEADLINE_MS = 30_000;

function workerFile(): string {
  // Bundled: dist/server/pdf-worker.mjs (ESM: pdf.js is an ES module). From sources (tsx): the .ts file, with the
  // parent's --import tsx loader inherited.
  const bundled = path.join(__dirname, 'pdf-worker.mjs');
  if (process.env.AGENTORA_BUNDLED === '1' && existsSync(bundled)) return bundled;
  return path.join(__dirname, 'pdfWorker.ts');
}

export function extractPdfText(buf: Buffer, deadlineMs = DEADLINE_MS): Promise<PdfText> {
  if (buf.toString('latin1', 0, 5) !== '%PDF-') return Promise.reject(new Error('not a PDF (no %PDF- header)'));
  return new Promise((resolve, reject) => {
    const w = new Worker(workerFile());
    let settled = false;
    const done = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
      void w.terminate();
    };
    const timer = setTimeout(() => done(() => reject(new Error(`reading the PDF took longer than ${deadlineMs / 1000} s`))), deadlineMs);
    w.on('message', (m: { ok: boolean; pages?: number; text?: string[]; error?: string }) => {
      if (!m.ok) return done(() => reject(new Error(m.error ?? 'unreadable PDF')));
      const pages = (m.text ?? []).map((t) => t.trim());
      done(() => resolve({ text: pages.filter(Boolean).join('\n\n'), pages: m.pages ?? pages.length, empty_pages: pages.filter((t) => !t).length }));
    });
    w.once('error', (err) => done(() => reject(err)));
    w.once('exit', (code) => done(() => reject(new Error(`the PDF reader stopped (exit ${code})`))));
    const bytes = new Uint8Array(buf.byteLength);
    bytes.set(buf);
    w.postMessage({ id: 1, bytes }, [bytes.buffer]);
  });
}
