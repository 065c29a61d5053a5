// Runs in a worker thread: PDF text extraction with unpdf (Mozilla's pdf.js, serverless build — fonts,
// ToUnicode maps, CID fonts, object streams, every filter), so a large PDF never blocks the server's event loop.
import { parentPort } from 'node:worker_threads';
import { extractText, getDocumentProxy } from 'unpdf';

parentPort!.on('message', async (msg: { id: number; bytes: Uint8Array }) => {
  try {
    const pdf = await getDocumentProxy(msg.bytes);
    const { totalPages, text } = await extractText(pdf, { mergePages: false });
    await pdf.destroy();
    parentPort!.postMessage({ id: msg.id, ok: true, pages: totalPages, text: text as string[] });
  } catch (err) {
    parentPort!.postMessage({ id: msg.id, ok: false, error: (err as Error)?.message ?? String(err) });
  }
});
