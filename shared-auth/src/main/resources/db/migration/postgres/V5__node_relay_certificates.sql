-- The SHA-256 of each node's relay certificate (its DER, lowercase hex), published by the node's agent at
-- every heartbeat. A relay takes a peer, and a proxy a relay, only with the certificate its node published:
-- a certificate issued again replaces the old one, and a node removed from this table is no member
-- (docs/relay.md). NULL: the node's agent published none yet.
ALTER TABLE nodes ADD COLUMN relay_certificate TEXT;
