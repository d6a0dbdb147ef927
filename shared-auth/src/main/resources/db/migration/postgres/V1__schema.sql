-- The store's schema as of the builds before Flyway (SQLite user_version 7). Times are epoch milliseconds.
CREATE TABLE workspaces (
  id               TEXT PRIMARY KEY,
  user_id          TEXT NOT NULL,
  name             TEXT NOT NULL,
  hostname         TEXT NOT NULL UNIQUE,
  upstream_socket  TEXT,
  state            TEXT NOT NULL,
  runtime_ref      TEXT,
  created_at       BIGINT NOT NULL,
  last_activity_at BIGINT NOT NULL,
  UNIQUE (user_id, name)
);
CREATE INDEX workspaces_user ON workspaces (user_id);

CREATE TABLE used_tokens (
  token_id   TEXT PRIMARY KEY,
  expires_at BIGINT NOT NULL
);

CREATE TABLE revocations (
  user_id        TEXT PRIMARY KEY,
  revoked_before BIGINT NOT NULL
);

CREATE TABLE sessions (
  id_hash    TEXT PRIMARY KEY,
  user_id    TEXT NOT NULL,
  hostname   TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE users (
  issuer        TEXT NOT NULL,
  subject       TEXT NOT NULL,
  name          TEXT NOT NULL UNIQUE,
  email         TEXT,
  role          TEXT NOT NULL,
  disabled      INTEGER NOT NULL DEFAULT 0,
  created_at    BIGINT NOT NULL,
  last_login_at BIGINT NOT NULL,
  PRIMARY KEY (issuer, subject)
);

CREATE TABLE console_sessions (
  id_hash    TEXT PRIMARY KEY,
  user_id    TEXT NOT NULL,
  role       TEXT NOT NULL,
  csrf       TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX console_sessions_user ON console_sessions (user_id);

CREATE TABLE personal_tokens (
  token_id   TEXT PRIMARY KEY,
  user_id    TEXT NOT NULL,
  name       TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  revoked_at BIGINT
);
CREATE INDEX personal_tokens_user ON personal_tokens (user_id);

CREATE TABLE workspace_presence (
  workspace_id TEXT NOT NULL,
  proxy_id     TEXT NOT NULL,
  connections  INTEGER NOT NULL,
  web_sockets  INTEGER NOT NULL,
  tunnels      INTEGER NOT NULL,
  updated_at   BIGINT NOT NULL,
  PRIMARY KEY (workspace_id, proxy_id)
);
CREATE INDEX workspace_presence_proxy ON workspace_presence (proxy_id);

CREATE TABLE refresh_tokens (
  user_id    TEXT PRIMARY KEY,
  token      TEXT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE ssh_keys (
  id          TEXT PRIMARY KEY,
  user_id     TEXT NOT NULL,
  name        TEXT NOT NULL,
  public_key  TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  created_at  BIGINT NOT NULL,
  UNIQUE (user_id, fingerprint)
);
