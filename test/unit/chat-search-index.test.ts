// A streaming answer is flushed to SQLite often (so a kill -9 keeps it) but indexed for full-text search only once
// it stops streaming (migration 52): re-indexing on every flush stalled other requests during concurrent chats.
// Search must still find every answer that is not being written right now — completed, and interrupted by a crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase } from '../../server/src/store/db';
import { finishMessage, insertMessage, markInterrupted, saveContent } from '../../server/src/services/chat/store';

function setup() {
  const db = openDatabase(':memory:');
  const now = new Date().toISOString();
  const sessionId = Number(
    db.prepare(`INSERT INTO chat_sessions (title, memory_mode, created_at, updated_at) VALUES ('s', 'off', ?, ?)`).run(now, now).lastInsertRowid,
  );
  const found = (word: string) => (db.prepare(`SELECT count(*) AS n FROM chat_search WHERE chat_search MATCH ?`).get(word) as { n: number }).n;
  const answer = () => insertMessage(db, { session_id: sessionId, parent_id: null, role: 'assistant', content: '', status: 'streaming', model: 'm' });
  return { db, found, answer };
}

test('a streaming answer is indexed when it completes, not on each flush', () => {
  const { db, found, answer } = setup();
  const id = answer();
  saveContent(db, id, 'the first zephyr arrives');
  assert.equal(found('zephyr'), 0, 'flushes while streaming do not re-index');
  finishMessage(db, id, { content: 'the first zephyr arrives and quokka too', status: 'complete' });
  assert.equal(found('zephyr'), 1);
  assert.equal(found('quokka'), 1);
  // FTS5's own check throws on an index that disagrees with its content.
  db.prepare(`INSERT INTO chat_search (chat_search) VALUES ('integrity-check')`).run();
});

test('an answer a crash left streaming is indexed when it is marked interrupted at the next start', () => {
  const { db, found, answer } = setup();
  const id = answer();
  saveContent(db, id, 'partial narwhal text');
  assert.equal(found('narwhal'), 0);
  assert.equal(markInterrupted(db), 1);
  assert.equal(found('narwhal'), 1);
});

test('editing a finished message re-indexes it; an unchanged status update does not duplicate it', () => {
  const { db, found, answer } = setup();
  const id = answer();
  finishMessage(db, id, { content: 'alpha', status: 'complete' });
  db.prepare(`UPDATE chat_messages SET content = 'beta' WHERE id = ?`).run(id);
  assert.equal(found('alpha'), 0);
  assert.equal(found('beta'), 1);
  db.prepare(`UPDATE chat_messages SET status = 'complete' WHERE id = ?`).run(id);
  assert.equal(found('beta'), 1);
});
