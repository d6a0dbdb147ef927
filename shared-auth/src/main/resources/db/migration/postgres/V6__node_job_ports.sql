-- A node's agent also answers which ports listen inside one of its workspaces (GET /api/workspaces/{id}/apps
-- for a workspace on a node: only that node can look inside it).
ALTER TABLE node_jobs DROP CONSTRAINT node_jobs_kind_check;
ALTER TABLE node_jobs ADD CONSTRAINT node_jobs_kind_check CHECK (kind IN ('START', 'STOP', 'REMOVE', 'PORTS'));
