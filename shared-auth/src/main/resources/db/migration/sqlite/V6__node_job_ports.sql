-- A node's agent also answers which ports listen inside one of its workspaces (GET /api/workspaces/{id}/apps
-- for a workspace on a node: only that node can look inside it). SQLite cannot change a CHECK constraint, so
-- the table is made again with every row (ids kept, and the id sequence with them).
CREATE TABLE node_jobs_new (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  node_id      TEXT NOT NULL,
  workspace_id TEXT NOT NULL,
  kind         TEXT NOT NULL CHECK (kind IN ('START', 'STOP', 'REMOVE', 'PORTS')),
  argument     TEXT NOT NULL,
  status       TEXT NOT NULL CHECK (status IN ('QUEUED', 'TAKEN', 'DONE', 'FAILED')),
  result       TEXT,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL
);
INSERT INTO node_jobs_new (id, node_id, workspace_id, kind, argument, status, result, created_at, updated_at)
  SELECT id, node_id, workspace_id, kind, argument, status, result, created_at, updated_at FROM node_jobs;
DROP TABLE node_jobs;
ALTER TABLE node_jobs_new RENAME TO node_jobs;
CREATE INDEX node_jobs_queued ON node_jobs (node_id, status, id);
