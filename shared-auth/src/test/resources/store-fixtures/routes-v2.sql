-- A store file of user_version 2 (before unix sockets): a workspace that ran on a loopback TCP port.
CREATE TABLE workspaces (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, name TEXT NOT NULL,
  hostname TEXT NOT NULL UNIQUE, upstream_host TEXT, upstream_port INTEGER NOT NULL DEFAULT 0,
  state TEXT NOT NULL, runtime_ref TEXT, created_at INTEGER NOT NULL,
  last_activity_at INTEGER NOT NULL, UNIQUE (user_id, name));
INSERT INTO workspaces VALUES ('w1', 'alice', 'main', 'main.alice.codermon.internal',
  '127.0.0.1', 20000, 'RUNNING', 'codermon-w1', 1, 2);
PRAGMA user_version = 2;
