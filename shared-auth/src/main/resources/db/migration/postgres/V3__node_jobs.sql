-- Work for nodes' agents (docs/scale-out.md): queued by any control plane, taken by the node's agent with
-- FOR UPDATE SKIP LOCKED, so that a job is never taken twice.
CREATE TABLE node_jobs (
  id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  node_id      TEXT NOT NULL,
  workspace_id TEXT NOT NULL,
  kind         TEXT NOT NULL CHECK (kind IN ('START', 'STOP', 'REMOVE')),
  argument     TEXT NOT NULL,
  status       TEXT NOT NULL CHECK (status IN ('QUEUED', 'TAKEN', 'DONE', 'FAILED')),
  result       TEXT,
  created_at   BIGINT NOT NULL,
  updated_at   BIGINT NOT NULL
);
CREATE INDEX node_jobs_queued ON node_jobs (node_id, id) WHERE status = 'QUEUED';

-- What each node's agent last reported running (and answering), by the node's own runtime reference.
CREATE TABLE node_running (
  node_id     TEXT NOT NULL,
  runtime_ref TEXT NOT NULL,
  PRIMARY KEY (node_id, runtime_ref)
);
