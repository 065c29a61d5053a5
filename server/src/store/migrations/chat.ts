// Chat migrations (range 50–54, see ./index.ts).
//
// chat_sessions: one conversation with its model, system prompt, options and memory mode. `deleted_at` makes
// delete undoable for a while (the row is purged later); `active_leaf_id` is the branch the operator looks at.
// chat_messages: a tree (parent_id): regenerate and edit-and-resend add siblings, so old branches are kept.
// An assistant message is inserted as `streaming` and its content is flushed as tokens arrive; a server that
// dies mid-answer leaves it `streaming`, and the next start marks it `interrupted` (what arrived is kept).
// chat_search: FTS5 over session titles and message contents, kept in sync by triggers.
import type { Migration } from './index';

const m050: Migration = {
  version: 50,
  name: 'chat: sessions, message tree, full-text search, memory proposals',
  up(db) {
    db.exec(`
      CREATE TABLE chat_sessions (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL,
        model TEXT,
        system_prompt TEXT NOT NULL DEFAULT '',
        temperature REAL,
        num_ctx INTEGER,
        memory_mode TEXT NOT NULL DEFAULT 'read' CHECK (memory_mode IN ('off', 'read', 'read_write')),
        active_leaf_id INTEGER,
        message_count INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        ended_at TEXT,
        deleted_at TEXT
      );
      CREATE INDEX chat_sessions_recent ON chat_sessions (deleted_at, updated_at DESC, id DESC);

      CREATE TABLE chat_messages (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES chat_sessions(id) ON DELETE CASCADE,
        parent_id INTEGER REFERENCES chat_messages(id) ON DELETE CASCADE,
        role TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'system')),
        content TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT 'complete' CHECK (status IN ('complete', 'streaming', 'stopped', 'interrupted', 'error')),
        model TEXT,
        prompt_eval_count INTEGER,
        eval_count INTEGER,
        error TEXT,
        fix_hint TEXT,
        context_id INTEGER,
        attachment_json TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX chat_messages_session ON chat_messages (session_id, id);
      CREATE INDEX chat_messages_parent ON chat_messages (parent_id);
      CREATE INDEX chat_messages_streaming ON chat_messages (status) WHERE status = 'streaming';

      -- rowid = 2·message id for messages, 2·session id + 1 for titles, so updates delete by rowid (no scan).
      CREATE VIRTUAL TABLE chat_search USING fts5 (body, session_id UNINDEXED, tokenize = 'unicode61');
      CREATE TRIGGER chat_sessions_ai AFTER INSERT ON chat_sessions BEGIN
        INSERT INTO chat_search (rowid, body, session_id) VALUES (new.id * 2 + 1, new.title, new.id);
      END;
      CREATE TRIGGER chat_sessions_au AFTER UPDATE OF title ON chat_sessions BEGIN
        DELETE FROM chat_search WHERE rowid = old.id * 2 + 1;
        INSERT INTO chat_search (rowid, body, session_id) VALUES (new.id * 2 + 1, new.title, new.id);
      END;
      CREATE TRIGGER chat_sessions_ad AFTER DELETE ON chat_sessions BEGIN
        DELETE FROM chat_search WHERE rowid = old.id * 2 + 1;
      END;
      CREATE TRIGGER chat_messages_ai AFTER INSERT ON chat_messages BEGIN
        INSERT INTO chat_search (rowid, body, session_id) VALUES (new.id * 2, new.content, new.session_id);
      END;
      CREATE TRIGGER chat_messages_au AFTER UPDATE OF content ON chat_messages BEGIN
        DELETE FROM chat_search WHERE rowid = old.id * 2;
        INSERT INTO chat_search (rowid, body, session_id) VALUES (new.id * 2, new.content, new.session_id);
      END;
      CREATE TRIGGER chat_messages_ad AFTER DELETE ON chat_messages BEGIN
        DELETE FROM chat_search WHERE rowid = old.id * 2;
      END;

      -- read+write sessions propose memories when they end; the operator accepts (a memory is created) or rejects.
      CREATE TABLE chat_memory_proposals (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES chat_sessions(id) ON DELETE CASCADE,
        message_id INTEGER REFERENCES chat_messages(id) ON DELETE SET NULL,
        text TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'accepted', 'rejected')),
        capsule_id INTEGER,
        created_at TEXT NOT NULL,
        decided_at TEXT
      );
      CREATE INDEX chat_memory_proposals_session ON chat_memory_proposals (session_id, status);
    `);
  },
};

// model_defaults: the models the operator chose in the model manager for chat, tool use and embeddings. A
// missing row means "the setting's model" (agentora.models.chatModel / embedModel), so settings stay the base.
const m051: Migration = {
  version: 51,
  name: 'chat: model defaults chosen in the model manager',
  up(db) {
    db.exec(`
      CREATE TABLE model_defaults (
        purpose TEXT PRIMARY KEY CHECK (purpose IN ('chat', 'tools', 'embedding')),
        model TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) WITHOUT ROWID;
    `);
  },
};

// A streaming answer's content is flushed to SQLite every 100 ms so a kill -9 keeps it; re-indexing it in FTS5 on
// each flush (delete + insert of the whole text, plus FTS5's segment merges) cost ~3 ms per flush and stalled
// other requests during 20 concurrent chats. The answer is indexed once it stops streaming — when it completes,
// stops, fails, or is marked interrupted after a crash (a status-only update) — so search still finds every
// answer that is not being written right now.
const m052: Migration = {
  version: 52,
  name: 'chat: index an answer in full-text search when it stops streaming, not on every flush',
  up(db) {
    db.exec(`
      DROP TRIGGER chat_messages_au;
      CREATE TRIGGER chat_messages_au AFTER UPDATE OF content, status ON chat_messages
      WHEN new.status <> 'streaming' AND (old.status = 'streaming' OR old.content IS NOT new.content) BEGIN
        DELETE FROM chat_search WHERE rowid = old.id * 2;
        INSERT INTO chat_search (rowid, body, session_id) VALUES (new.id * 2, new.content, new.session_id);
      END;
    `);
  },
};

export const chatMigrations: readonly Migration[] = [m050, m051, m052];
