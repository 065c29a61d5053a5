// Memory migrations (see the number ranges in ./index.ts).
//   20 memories, version history, lineage links, embeddings, MinHash sketches, the embedding queue
//   21 the FTS5 index (external content over `memories`, only active rows, kept in sync by triggers)
//   22 contexts (what a run / chat / mission was shown), proposals (duplicates, conflicts), maintenance jobs
//   23 FTS5 repair: one update trigger (delete the old entry, then insert the new one), index rebuilt from the
//      active rows; the `mock` flag (memories made from mock-mode missions never reach a real-mode mission)
//   24 counters kept by triggers (memories per layer and status, embeddings per model, embedding queue), so
//      /api/memory/health and /api/memory/layers read a handful of rows instead of counting the whole store
//   26 upload batches: the memories one upload made share a batch_id, so the upload can be reviewed and undone whole
import type { Migration } from './index';

const m20: Migration = {
  version: 20,
  name: 'memory: memories, versions, links, embeddings, sketches',
  up(db) {
    db.exec(`
      CREATE TABLE memories (
        id INTEGER PRIMARY KEY,
        text TEXT NOT NULL,
        kind TEXT NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('chat', 'run', 'mission', 'upload', 'operator')),
        source_ref TEXT,
        scope TEXT NOT NULL CHECK (scope IN ('workspace', 'global')),
        repo TEXT,
        persona TEXT,
        layer TEXT NOT NULL CHECK (layer IN ('working', 'episodic', 'semantic', 'core')),
        trust REAL NOT NULL CHECK (trust >= 0 AND trust <= 1),
        salience REAL NOT NULL DEFAULT 1 CHECK (salience >= 0 AND salience <= 1),
        use_count INTEGER NOT NULL DEFAULT 0,
        last_used_at TEXT,
        last_decayed_at TEXT,
        touched_at TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        valid_from TEXT NOT NULL,
        valid_to TEXT,
        status TEXT NOT NULL CHECK (status IN ('active', 'archived', 'deleted')),
        norm_hash TEXT NOT NULL,
        version INTEGER NOT NULL DEFAULT 1
      );
      CREATE INDEX memories_norm_hash ON memories (norm_hash) WHERE status = 'active';
      -- Covering indexes for the health counts and the scans' "current memories" filter (no table reads).
      CREATE INDEX memories_status_layer ON memories (status, valid_to, layer);
      CREATE INDEX memories_recent ON memories (status, touched_at, valid_to);
      CREATE INDEX memories_popular ON memories (status, use_count);
      CREATE INDEX memories_created ON memories (created_at);

      CREATE TABLE memory_versions (
        memory_id INTEGER NOT NULL REFERENCES memories (id) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        text TEXT NOT NULL,
        kind TEXT NOT NULL,
        layer TEXT NOT NULL,
        trust REAL NOT NULL,
        status TEXT NOT NULL,
        valid_to TEXT,
        recorded_at TEXT NOT NULL,
        replaced_at TEXT NOT NULL,
        reason TEXT NOT NULL,
        PRIMARY KEY (memory_id, version)
      );

      CREATE TABLE memory_links (
        id INTEGER PRIMARY KEY,
        from_id INTEGER NOT NULL REFERENCES memories (id) ON DELETE CASCADE,
        to_id INTEGER NOT NULL REFERENCES memories (id) ON DELETE CASCADE,
        relation TEXT NOT NULL CHECK (relation IN ('derived_from', 'merged_from', 'superseded_by')),
        note TEXT,
        created_at TEXT NOT NULL,
        UNIQUE (from_id, to_id, relation)
      );
      CREATE INDEX memory_links_to ON memory_links (to_id);

      CREATE TABLE memory_embeddings (
        memory_id INTEGER PRIMARY KEY REFERENCES memories (id) ON DELETE CASCADE,
        model TEXT NOT NULL,
        dim INTEGER NOT NULL,
        vec BLOB NOT NULL
      );
      CREATE INDEX memory_embeddings_model ON memory_embeddings (model);
      CREATE TABLE memory_embed_queue (
        memory_id INTEGER PRIMARY KEY REFERENCES memories (id) ON DELETE CASCADE,
        queued_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0
      );
      CREATE TABLE memory_sketches (
        memory_id INTEGER PRIMARY KEY REFERENCES memories (id) ON DELETE CASCADE,
        minhash BLOB NOT NULL
      );
    `);
  },
};

const m21: Migration = {
  version: 21,
  name: 'memory: FTS5 index over active memories',
  up(db) {
    // External content: the text lives once, in `memories`. Only active rows are indexed, so archived and
    // deleted memories can never match; the triggers issue the FTS 'delete' only for rows that were indexed.
    db.exec(`
      CREATE VIRTUAL TABLE memories_fts USING fts5 (text, content = 'memories', content_rowid = 'id', tokenize = 'porter unicode61');
      CREATE TRIGGER memories_fts_ai AFTER INSERT ON memories WHEN NEW.status = 'active' BEGIN
        INSERT INTO memories_fts (rowid, text) VALUES (NEW.id, NEW.text);
      END;
      CREATE TRIGGER memories_fts_ad AFTER DELETE ON memories WHEN OLD.status = 'active' BEGIN
        INSERT INTO memories_fts (memories_fts, rowid, text) VALUES ('delete', OLD.id, OLD.text);
      END;
      CREATE TRIGGER memories_fts_au_old AFTER UPDATE OF text, status ON memories WHEN OLD.status = 'active' BEGIN
        INSERT INTO memories_fts (memories_fts, rowid, text) VALUES ('delete', OLD.id, OLD.text);
      END;
      CREATE TRIGGER memories_fts_au_new AFTER UPDATE OF text, status ON memories WHEN NEW.status = 'active' BEGIN
        INSERT INTO memories_fts (rowid, text) VALUES (NEW.id, NEW.text);
      END;
    `);
  },
};

const m22: Migration = {
  version: 22,
  name: 'memory: contexts, proposals, maintenance jobs and their changes',
  up(db) {
    db.exec(`
      CREATE TABLE memory_contexts (
        id INTEGER PRIMARY KEY,
        owner_kind TEXT NOT NULL CHECK (owner_kind IN ('run', 'chat', 'mission')),
        owner_id TEXT NOT NULL,
        query TEXT NOT NULL,
        top_k INTEGER NOT NULL,
        as_of TEXT,
        vector_used INTEGER NOT NULL,
        vector_note TEXT,
        fts_candidates INTEGER NOT NULL,
        vector_candidates INTEGER NOT NULL,
        took_ms REAL NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX memory_contexts_owner ON memory_contexts (owner_id, id);
      CREATE INDEX memory_contexts_created ON memory_contexts (created_at);
      CREATE TABLE memory_context_items (
        context_id INTEGER NOT NULL REFERENCES memory_contexts (id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        memory_id INTEGER NOT NULL,
        score REAL NOT NULL,
        breakdown_json TEXT NOT NULL,
        admitted INTEGER NOT NULL,
        reason TEXT NOT NULL,
        PRIMARY KEY (context_id, position)
      );

      CREATE TABLE memory_proposals (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('duplicate', 'conflict')),
        subkind TEXT NOT NULL CHECK (subkind IN ('exact', 'near', 'negation', 'value')),
        status TEXT NOT NULL CHECK (status IN ('open', 'accepted', 'rejected', 'withdrawn')),
        pair_key TEXT NOT NULL,
        similarity REAL,
        detail TEXT NOT NULL,
        resolution TEXT,
        resolution_note TEXT,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        resolved_at TEXT
      );
      CREATE INDEX memory_proposals_open ON memory_proposals (kind, status, id);
      CREATE INDEX memory_proposals_key ON memory_proposals (pair_key);
      CREATE TABLE memory_proposal_members (
        proposal_id INTEGER NOT NULL REFERENCES memory_proposals (id) ON DELETE CASCADE,
        memory_id INTEGER NOT NULL REFERENCES memories (id) ON DELETE CASCADE,
        PRIMARY KEY (proposal_id, memory_id)
      );
      CREATE INDEX memory_proposal_members_memory ON memory_proposal_members (memory_id);

      CREATE TABLE memory_jobs (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('maintenance', 'duplicates', 'conflicts')),
        status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
        phase TEXT NOT NULL,
        progress REAL NOT NULL,
        summary_json TEXT NOT NULL,
        error TEXT,
        created_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT
      );
      CREATE TABLE memory_job_changes (
        id INTEGER PRIMARY KEY,
        job_id INTEGER NOT NULL REFERENCES memory_jobs (id) ON DELETE CASCADE,
        change TEXT NOT NULL CHECK (change IN ('decay', 'archive', 'proposal')),
        memory_id INTEGER,
        proposal_id INTEGER,
        field TEXT NOT NULL,
        before_value TEXT,
        after_value TEXT,
        reason TEXT NOT NULL,
        created_at TEXT NOT NULL,
        undone_at TEXT,
        undo_note TEXT
      );
      CREATE INDEX memory_job_changes_job ON memory_job_changes (job_id, id);
    `);
  },
};

const m23: Migration = {
  version: 23,
  name: 'memory: FTS5 update trigger fixed (delete before insert), index rebuilt; mock flag',
  up(db) {
    // Migration 21 split the update into two triggers. SQLite fires triggers of the same event newest first, so
    // the insert of the new text ran before the 'delete' of the old one: the 'delete' then removed tokens under a
    // rowid that held other tokens, and the index became "database disk image is malformed" for search and
    // neighbors. One trigger now does both, in order, and only when the indexed text or the status changed.
    // The index is rebuilt from the active rows (not FTS5 'rebuild', which would index archived and deleted
    // rows of the external content table too), so any store damaged by the old triggers is repaired.
    db.exec(`
      DROP TRIGGER IF EXISTS memories_fts_au_old;
      DROP TRIGGER IF EXISTS memories_fts_au_new;
      CREATE TRIGGER memories_fts_au AFTER UPDATE OF text, status ON memories
        WHEN OLD.text IS NOT NEW.text OR OLD.status IS NOT NEW.status BEGIN
        INSERT INTO memories_fts (memories_fts, rowid, text) SELECT 'delete', OLD.id, OLD.text WHERE OLD.status = 'active';
        INSERT INTO memories_fts (rowid, text) SELECT NEW.id, NEW.text WHERE NEW.status = 'active';
      END;
      INSERT INTO memories_fts (memories_fts) VALUES ('delete-all');
      INSERT INTO memories_fts (rowid, text) SELECT id, text FROM memories WHERE status = 'active';

      -- 1 = made in mock mode (e.g. the outcome of a mock mission): shown as mock, low trust, and left out of the
      -- context of a real-mode mission.
      ALTER TABLE memories ADD COLUMN mock INTEGER NOT NULL DEFAULT 0;
      CREATE INDEX memories_mock ON memories (mock) WHERE mock = 1;
    `);
  },
};

const m26: Migration = {
  version: 26,
  name: 'memory: upload batch id',
  up(db) {
    db.exec(`
      ALTER TABLE memories ADD COLUMN batch_id TEXT;
      CREATE INDEX memories_batch ON memories (batch_id, id) WHERE batch_id IS NOT NULL;
    `);
  },
};

const m24: Migration = {
  version: 24,
  name: 'memory: counters kept by triggers (layers, statuses, embeddings, queue)',
  up(db) {
    // Keys: `layer:<layer>` (current memories: active and not superseded), `status:<status>`,
    // `embedded:<model>`, `queue`. Each trigger moves a count from the old value to the new one.
    db.exec(`
      CREATE TABLE memory_counters (key TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
      INSERT INTO memory_counters (key, n) SELECT 'layer:' || layer, COUNT(*) FROM memories WHERE status = 'active' AND valid_to IS NULL GROUP BY layer;
      INSERT INTO memory_counters (key, n) SELECT 'status:' || status, COUNT(*) FROM memories GROUP BY status;
      INSERT INTO memory_counters (key, n) SELECT 'embedded:' || model, COUNT(*) FROM memory_embeddings GROUP BY model;
      INSERT INTO memory_counters (key, n) SELECT 'queue', COUNT(*) FROM memory_embed_queue;

      CREATE TRIGGER memory_counters_ai AFTER INSERT ON memories BEGIN
        INSERT INTO memory_counters (key, n) VALUES ('status:' || NEW.status, 1) ON CONFLICT (key) DO UPDATE SET n = n + 1;
        INSERT INTO memory_counters (key, n) SELECT 'layer:' || NEW.layer, 1 WHERE NEW.status = 'active' AND NEW.valid_to IS NULL
          ON CONFLICT (key) DO UPDATE SET n = n + 1;
      END;
      CREATE TRIGGER memory_counters_ad AFTER DELETE ON memories BEGIN
        UPDATE memory_counters SET n = n - 1 WHERE key = 'status:' || OLD.status;
        UPDATE memory_counters SET n = n - 1 WHERE key = 'layer:' || OLD.layer AND OLD.status = 'active' AND OLD.valid_to IS NULL;
      END;
      CREATE TRIGGER memory_counters_au AFTER UPDATE OF status, layer, valid_to ON memories
        WHEN OLD.status IS NOT NEW.status OR OLD.layer IS NOT NEW.layer OR OLD.valid_to IS NOT NEW.valid_to BEGIN
        UPDATE memory_counters SET n = n - 1 WHERE key = 'status:' || OLD.status;
        INSERT INTO memory_counters (key, n) VALUES ('status:' || NEW.status, 1) ON CONFLICT (key) DO UPDATE SET n = n + 1;
        UPDATE memory_counters SET n = n - 1 WHERE key = 'layer:' || OLD.layer AND OLD.status = 'active' AND OLD.valid_to IS NULL;
        INSERT INTO memory_counters (key, n) SELECT 'layer:' || NEW.layer, 1 WHERE NEW.status = 'active' AND NEW.valid_to IS NULL
          ON CONFLICT (key) DO UPDATE SET n = n + 1;
      END;

      CREATE TRIGGER memory_counters_emb_ai AFTER INSERT ON memory_embeddings BEGIN
        INSERT INTO memory_counters (key, n) VALUES ('embedded:' || NEW.model, 1) ON CONFLICT (key) DO UPDATE SET n = n + 1;
      END;
      CREATE TRIGGER memory_counters_emb_ad AFTER DELETE ON memory_embeddings BEGIN
        UPDATE memory_counters SET n = n - 1 WHERE key = 'embedded:' || OLD.model;
      END;
      CREATE TRIGGER memory_counters_emb_au AFTER UPDATE OF model ON memory_embeddings WHEN OLD.model IS NOT NEW.model BEGIN
        UPDATE memory_counters SET n = n - 1 WHERE key = 'embedded:' || OLD.model;
        INSERT INTO memory_counters (key, n) VALUES ('embedded:' || NEW.model, 1) ON CONFLICT (key) DO UPDATE SET n = n + 1;
      END;
      CREATE TRIGGER memory_counters_q_ai AFTER INSERT ON memory_embed_queue BEGIN
        INSERT INTO memory_counters (key, n) VALUES ('queue', 1) ON CONFLICT (key) DO UPDATE SET n = n + 1;
      END;
      CREATE TRIGGER memory_counters_q_ad AFTER DELETE ON memory_embed_queue BEGIN
        UPDATE memory_counters SET n = n - 1 WHERE key = 'queue';
      END;
    `);
  },
};

// Searches keep recently read vectors in memory (services/memory/candidates.ts); this counter, moved by triggers on
// every vector write or delete from any connection, tells them when what they hold may be stale.
const m25: Migration = {
  version: 25,
  name: 'memory: vector epoch (invalidates cached vectors)',
  up(db) {
    db.exec(`
      CREATE TABLE memory_vector_epoch (k INTEGER PRIMARY KEY CHECK (k = 1), n INTEGER NOT NULL);
      INSERT INTO memory_vector_epoch (k, n) VALUES (1, 0);
      CREATE TRIGGER memory_vector_epoch_ai AFTER INSERT ON memory_embeddings BEGIN UPDATE memory_vector_epoch SET n = n + 1 WHERE k = 1; END;
      CREATE TRIGGER memory_vector_epoch_au AFTER UPDATE ON memory_embeddings BEGIN UPDATE memory_vector_epoch SET n = n + 1 WHERE k = 1; END;
      CREATE TRIGGER memory_vector_epoch_ad AFTER DELETE ON memory_embeddings BEGIN UPDATE memory_vector_epoch SET n = n + 1 WHERE k = 1; END;
    `);
  },
};

export const memoryMigrations: readonly Migration[] = [m20, m21, m22, m23, m24, m25, m26];
