// Runs in a worker thread (never on the server's event loop): parses a REST import body (tens of MB for 10k
// missions) and imports it in one transaction on its own connection to the database. The server keeps answering
// meanwhile: readers are never blocked (WAL); writers wait for the import's transaction, off the event loop (the
// write gate's flag is up while it runs).
import { parentPort, workerData } from 'node:worker_threads';
import { AppError } from '../../../protocol/errors';
import { openWorkerConnection } from '../../../store/workerConnection';
import { importBundle } from './importBundle';

interface Input {
  file: string;
  nativeBinding?: string;
  requireSignature: boolean;
  key: string;
  body: Uint8Array;
  /** The server connection's write gate (store/immediate.ts): up while the import's transaction runs. */
  gate?: SharedArrayBuffer;
}
const input = workerData as Input;

function answer(): unknown {
  let bundle: unknown;
  try {
    bundle = JSON.parse(Buffer.from(input.body.buffer, input.body.byteOffset, input.body.byteLength).toString('utf8'));
  } catch (err) {
    throw new AppError('bad_request', `Invalid body: not JSON (${(err as Error).message})`, [{ path: '', message: 'expected a JSON object' }]);
  }
  if (bundle === null || typeof bundle !== 'object' || Array.isArray(bundle))
    throw new AppError('bad_request', 'Invalid body: expected a JSON object', [{ path: '', message: 'expected a JSON object' }]);
  // A page cache that holds the import's working set (10k missions with ~20 indexes: tens of MB of B-tree pages).
  // With SQLite's default 2 MB the one big transaction spills dirty pages to the WAL mid-way and reads them back.
  const db = openWorkerConnection(input.file, { nativeBinding: input.nativeBinding, busyMs: 10000, cacheKb: 65536 });
  try {
    return importBundle(db, bundle as Record<string, unknown>, { requireSignature: input.requireSignature, key: () => input.key, gate: input.gate });
  } finally {
    db.close();
  }
}

try {
  parentPort!.postMessage({ ok: true, result: answer() });
} catch (err) {
  const e = err instanceof AppError ? err : new AppError('internal', `import failed: ${(err as Error)?.message ?? String(err)}`);
  parentPort!.postMessage({ ok: false, error: { kind: e.kind, message: e.message, issues: e.issues, fixHint: e.fixHint } });
}
