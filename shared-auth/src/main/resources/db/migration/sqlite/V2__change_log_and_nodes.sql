-- The change log the proxies follow (docs/store.md): one row per route or revocation change, appended in
-- the writing transaction; versions only grow (AUTOINCREMENT never reuses one, even after pruning).
CREATE TABLE change_log (
  version  INTEGER PRIMARY KEY AUTOINCREMENT,
  hostname TEXT,
  kind     TEXT NOT NULL CHECK (kind IN ('route', 'revocation')),
  at       INTEGER NOT NULL
);
CREATE INDEX change_log_at ON change_log (at);

-- The node a workspace is placed on (null on a one-machine store).
ALTER TABLE workspaces ADD COLUMN node_id TEXT;

CREATE TABLE nodes (
  id            TEXT PRIMARY KEY,
  relay_address TEXT NOT NULL,
  capacity      INTEGER NOT NULL,
  heartbeat_at  INTEGER NOT NULL,
  lost          INTEGER NOT NULL DEFAULT 0
);
