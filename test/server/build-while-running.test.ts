// Defect 1 of issue 10: `npm run build` (also run by `npm test` and `npm run package`) used to copy
// better_sqlite3.node over the file a running server had mapped, and the server died with SIGSEGV. Here a real
// server runs, the real build runs, and the server must still answer — including a query that enters SQLite.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { ROOT, startServer, type TestServer } from '../helpers/server';

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(() => server?.stop());

test('a build while a server runs leaves the server answering (the native module is replaced, not overwritten)', async () => {
  const native = path.join(ROOT, 'dist/native/better_sqlite3.node');
  const before = statSync(native).ino;
  const first = await server.fetch('/api/memory/health');
  assert.equal(first.status, 200);
  const build = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, encoding: 'utf8', timeout: 180000 });
  assert.equal(build.status, 0, build.stderr);
  // A new file took the old one's name: the running process keeps its own (unlinked) copy mapped.
  assert.notEqual(statSync(native).ino, before);
  for (let i = 0; i < 3; i++) {
    const r = await server.fetch('/api/memory/health');
    assert.equal(r.status, 200, `request ${i} after the build failed`);
  }
  const created = await server.fetch('/api/memory/capsules', { method: 'POST', body: JSON.stringify({ text: 'still alive after a rebuild', source: 'operator' }) });
  assert.ok(created.status < 300, `writing after the build answered ${created.status}`);
  assert.equal(server.proc.exitCode, null, 'the server process exited');
  assert.equal(server.proc.signalCode, null, 'the server process was killed by a signal');
});
