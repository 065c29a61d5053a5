// Worker threads that open the database on a connection of their own (checkpoints, retrieval). Bundled, the
// thread's code is `dist/server/<bundledName>.js` beside the server bundle (esbuild.mjs lists the entries); run
// from sources (tests under tsx) a thread does not inherit tsx's loader, so it registers it before the .ts file.
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import path from 'node:path';

export function spawnThread(bundledName: string, sourceFile: string, workerData: unknown): Worker {
  const bundled = path.join(__dirname, `${bundledName}.js`);
  if (process.env.AGENTORA_BUNDLED === '1' && existsSync(bundled)) return new Worker(bundled, { workerData });
  return new Worker(`require('tsx/cjs'); require(${JSON.stringify(sourceFile)});`, { eval: true, workerData });
}
