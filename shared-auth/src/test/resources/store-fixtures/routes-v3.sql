-- A store file of user_version 3 (unix sockets; no people, presence, refresh tokens or SSH keys yet).
CREATE TABLE workspaces (
  id TEXT PRIMARY KEY, user_id TEXT NOT NULL, name TEXT NOT NULL, hostname TEXT NOT NULL UNIQUE,
  state TEXT NOT NULL, runtime_ref TEXT, created_at INTEGER NOT NULL, last_activity_at INTEGER NOT NULL,
  upstream_socket TEXT, UNIQUE (user_id, name));
CREATE INDEX workspaces_user ON workspaces (user_id);
CREATE TABLE used_tokens (token_id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
CREATE TABLE revocations (user_id TEXT PRIMARY KEY, revoked_before INTEGER NOT NULL);
CREATE TABLE sessions (id_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, hostname TEXT NOT NULL,
  created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);
CREATE INDEX sessions_user ON sessions (user_id);
INSERT INTO workspaces (id, user_id, name, hostname, state, runtime_ref, created_at, last_activity_at, upstream_socket)
  VALUES ('w1', 'alice', 'main', 'main.alice.codermon.internal', 'RUNNING', 'codermon-w1', 1, 2,
  '/run/codermon/ws/w1/cs.sock');
INSERT INTO used_tokens VALUES ('used-1', 1767225600000);
INSERT INTO revocations VALUES ('bob', 5000);
INSERT INTO sessions VALUES ('sess-1', 'alice', 'main.alice.codermon.internal', 1, 4102444800000);
PRAGMA user_version = 3;
