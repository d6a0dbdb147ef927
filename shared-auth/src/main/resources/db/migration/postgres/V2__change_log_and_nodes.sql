-- The change log the proxies follow (docs/store.md): one row per route or revocation change, appended in
-- the writing transaction (writers take an advisory lock first, so versions commit in order).
CREATE TABLE change_log (
  version  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  hostname TEXT,
  kind     TEXT NOT NULL CHECK (kind IN ('route', 'revocation')),
  at       BIGINT NOT NULL
);
CREATE INDEX change_log_at ON change_log (at);

-- Only a doorbell: listeners then read the log from the version they saw.
CREATE FUNCTION codermon_change_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('codermon_changes', NEW.version::text);
  RETURN NEW;
END
$$;
CREATE TRIGGER change_log_notify AFTER INSERT ON change_log
  FOR EACH ROW EXECUTE FUNCTION codermon_change_notify();

-- The node a workspace is placed on (null on a one-machine store).
ALTER TABLE workspaces ADD COLUMN node_id TEXT;

CREATE TABLE nodes (
  id            TEXT PRIMARY KEY,
  relay_address TEXT NOT NULL,
  capacity      INTEGER NOT NULL,
  heartbeat_at  BIGINT NOT NULL,
  lost          INTEGER NOT NULL DEFAULT 0
);
