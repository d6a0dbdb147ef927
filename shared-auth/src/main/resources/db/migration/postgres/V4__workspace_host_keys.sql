-- Each workspace's SSH host public key, published by the node agent that made the key on its node, so that
-- every control plane hands out the same known_hosts line (docs/ssh.md). The private key never leaves the node.
CREATE TABLE workspace_host_keys (
  workspace_id TEXT PRIMARY KEY,
  public_key   TEXT NOT NULL
);
