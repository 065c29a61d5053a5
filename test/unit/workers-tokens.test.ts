// Worker tokens: the server keeps the tokens it just verified (no SHA-256 and lookup per claim, result or
// heartbeat), and revoking one refuses it on the very next request. Real SQLite file, real token store.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ServerContext } from '../../server/src/context';
import { openDatabase, type Db } from '../../server/src/store/db';
import { tokenStore, workerBySecret } from '../../server/src/services/workers/tokens';
import { tokensEqual } from '../../server/src/token';

let tmp: string;
let db: Db;
let ctx: ServerContext;
before(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'agentora-wtok-'));
  db = openDatabase(path.join(tmp, 'a.sqlite'));
  ctx = { db } as unknown as ServerContext; // workerBySecret reads only ctx.db
});
after(() => {
  db.close();
  rmSync(tmp, { recursive: true, force: true });
});

test('a verified worker token keeps working without a lookup; revoking it refuses the very next request', () => {
  const a = tokenStore(db).create('desktop', []);
  const b = tokenStore(db).create('laptop', []);
  assert.deepEqual(workerBySecret(ctx, a.token), { id: a.item.id, name: 'desktop' });
  assert.deepEqual(workerBySecret(ctx, b.token), { id: b.item.id, name: 'laptop' });

  // The second request is answered from the verified set: it no longer needs the stored hash. (Swap the hash
  // out behind the store's back to prove it; put it back after.)
  const hash = (db.prepare('SELECT token_hash AS h FROM worker_tokens WHERE id = ?').get(a.item.id) as { h: string }).h;
  db.prepare("UPDATE worker_tokens SET token_hash = 'x' WHERE id = ?").run(a.item.id);
  assert.deepEqual(workerBySecret(ctx, a.token), { id: a.item.id, name: 'desktop' }, 'answered from the verified set');
  db.prepare('UPDATE worker_tokens SET token_hash = ? WHERE id = ?').run(hash, a.item.id);

  tokenStore(db).revoke(a.item.id);
  assert.equal(workerBySecret(ctx, a.token), undefined, 'a revoked token is refused on the very next request');
  assert.equal(workerBySecret(ctx, a.token), undefined, 'and stays refused');
  assert.deepEqual(workerBySecret(ctx, b.token), { id: b.item.id, name: 'laptop' }, 'other tokens are untouched');
});

test('unknown and malformed secrets are refused and not remembered', () => {
  assert.equal(workerBySecret(ctx, 'wkr_not-a-token'), undefined);
  assert.equal(workerBySecret(ctx, 'not-even-the-prefix'), undefined);
  const c = tokenStore(db).create('later', []);
  assert.deepEqual(workerBySecret(ctx, c.token), { id: c.item.id, name: 'later' });
});

test('tokensEqual: equal secrets match, others do not, whatever their length (expected digest is reused)', () => {
  const op = 'operator-token-0123456789abcdef0123456789';
  for (let i = 0; i < 3; i++) {
    assert.equal(tokensEqual(op, op), true);
    assert.equal(tokensEqual(op + 'x', op), false);
    assert.equal(tokensEqual('', op), false);
    assert.equal(tokensEqual(op.slice(0, -1) + 'Z', op), false);
  }
  assert.equal(tokensEqual('another', 'another'), true, 'a second expected secret (MCP key) works beside it');
  assert.equal(tokensEqual(op, 'another'), false);
});
