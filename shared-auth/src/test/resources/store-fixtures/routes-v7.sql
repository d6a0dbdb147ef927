-- A store file of user_version 7, the last before Flyway: every table, each holding a row.
CREATE TABLE workspaces (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, name TEXT NOT NULL,
  hostname TEXT NOT NULL UNIQUE, upstream_socket TEXT, state TEXT NOT NULL, runtime_ref TEXT,
  created_at INTEGER NOT NULL, last_activity_at INTEGER NOT NULL, UNIQUE (user_id, name));
CREATE INDEX workspaces_user ON workspaces (user_id);
CREATE TABLE used_tokens (token_id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
CREATE TABLE revocations (user_id TEXT PRIMARY KEY, revoked_before INTEGER NOT NULL);
CREATE TABLE sessions (id_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, hostname TEXT NOT NULL,
  created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE TABLE users (issuer TEXT NOT NULL, subject TEXT NOT NULL, name TEXT NOT NULL UNIQUE, email TEXT,
  role TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL,
  last_login_at INTEGER NOT NULL, PRIMARY KEY (issuer, subject));
CREATE TABLE console_sessions (id_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, role TEXT NOT NULL,
  csrf TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);
CREATE INDEX console_sessions_user ON console_sessions (user_id);
CREATE TABLE personal_tokens (token_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, name TEXT NOT NULL,
  created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, revoked_at INTEGER);
CREATE INDEX personal_tokens_user ON personal_tokens (user_id);
CREATE TABLE workspace_presence (workspace_id TEXT NOT NULL, proxy_id TEXT NOT NULL,
  connections INTEGER NOT NULL, web_sockets INTEGER NOT NULL, tunnels INTEGER NOT NULL,
  updated_at INTEGER NOT NULL, PRIMARY KEY (workspace_id, proxy_id));
CREATE INDEX workspace_presence_proxy ON workspace_presence (proxy_id);
CREATE TABLE refresh_tokens (user_id TEXT PRIMARY KEY, token TEXT NOT NULL, updated_at INTEGER NOT NULL);
CREATE TABLE ssh_keys (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, name TEXT NOT NULL,
  public_key TEXT NOT NULL, fingerprint TEXT NOT NULL, created_at INTEGER NOT NULL, UNIQUE (user_id, fingerprint));
INSERT INTO workspaces VALUES ('w1', 'alice', 'main', 'main.alice.codermon.internal',
  '/run/codermon/ws/w1/cs.sock', 'RUNNING', 'codermon-w1', 1, 2);
INSERT INTO users VALUES ('https://idp', '1', 'alice', 'a@x', 'user', 0, 1, 2);
INSERT INTO console_sessions VALUES ('cs-1', 'alice', 'user', 'csrf', 1, 4102444800000);
INSERT INTO personal_tokens VALUES ('t1', 'alice', 'cli', 1, 4102444800000, NULL);
INSERT INTO workspace_presence VALUES ('w1', 'p1', 2, 1, 0, 1);
INSERT INTO refresh_tokens VALUES ('alice', 'rt-1', 1);
INSERT INTO ssh_keys VALUES ('k1', 'alice', 'laptop', 'ssh-ed25519 AAAA1', 'SHA256:one', 1);
PRAGMA user_version = 7;
