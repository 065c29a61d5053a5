// The REST import (`POST /api/integrations/import`): its body arrives as raw bytes (up to IMPORT_BODY_LIMIT, far
// above the server's 10 MB default: a 10k-mission bundle is tens of MB) and is parsed and imported in a worker
// thread (importWorker.ts), so neither the JSON parse nor the one big transaction stalls the event loop.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ServerContext } from '../../../context';
import { AppError, type ErrorKind, type FieldIssue } from '../../../protocol/errors';
import type { z } from 'zod';
import type { ImportResult as ImportResultSchema } from '../../../protocol/missionsExchange';
import { nativeBindingPath } from '../../../store/db';
import { writeGate } from '../../../store/immediate';
import { importMissions, signingKey } from './index';

type ImportResult = z.infer<typeof ImportResultSchema>;

function workerFile(): string {
  // Bundled: dist/server/import-worker.js beside the server bundle; from sources (tsx): the .ts file.
  const bundled = path.join(__dirname, 'import-worker.js');
  if (process.env.AGENTORA_BUNDLED === '1' && existsSync(bundled)) return bundled;
  return path.join(__dirname, 'importWorker.ts');
}

type WorkerAnswer =
  { ok: true; result: ImportResult } | { ok: false; error: { kind: ErrorKind; message: string; issues?: FieldIssue[]; fixHint?: string } };

export async function importRaw(ctx: ServerContext, body: Buffer): Promise<ImportResult> {
  const file = ctx.db.name;
  if (file === ':memory:') {
    // In-memory stores (unit tests) have no file a worker could open.
    let bundle: unknown;
    try {
      bundle = JSON.parse(body.toString('utf8'));
    } catch {
      throw new AppError('bad_request', 'Invalid body: not JSON', [{ path: '', message: 'expected a JSON object' }]);
    }
    return importMissions(ctx, bundle as Record<string, unknown>) as ImportResult;
  }
  const requireSignature = ctx.config['missions.signExports'];
  // A big body owns its ArrayBuffer: it is moved to the worker, not copied. A small one may sit in Node's shared
  // buffer pool (moving that would detach other buffers), so it is copied.
  const owns = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength;
  const bytes = owns ? new Uint8Array(body.buffer, 0, body.byteLength) : new Uint8Array(body);
  const binding = nativeBindingPath();
  const answer = await new Promise<WorkerAnswer>((resolve) => {
    const w = new Worker(workerFile(), {
      workerData: {
        file,
        ...(binding ? { nativeBinding: binding } : {}),
        requireSignature,
        key: signingKey(ctx),
        body: bytes,
        gate: writeGate(ctx.db),
      },
      transferList: [bytes.buffer as ArrayBuffer],
    });
    let done = false;
    const finish = (a: WorkerAnswer) => {
      if (done) return;
      done = true;
      resolve(a);
      void w.terminate();
    };
    w.once('message', finish);
    w.once('error', (err) => finish({ ok: false, error: { kind: 'internal', message: `import failed: ${err.message}` } }));
    w.once('exit', (code) => finish({ ok: false, error: { kind: 'internal', message: `import worker exited with code ${code}` } }));
  });
  if (!answer.ok) throw new AppError(answer.error.kind, answer.error.message, answer.error.issues, answer.error.fixHint);
  return answer.result;
}
