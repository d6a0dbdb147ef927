package dev.codermon.auth.route;

import java.time.Instant;
import java.util.Objects;

/**
 * Is one node of a cluster as the store knows it: where its relay listens and when its node agent last
 * reported.
 *
 * @param id           the node's name (a DNS label), also the subject of its relay certificate
 * @param relayAddress host:port of the node's relay (mutual TLS), which other nodes' proxies connect to
 * @param capacity     how many running workspaces placement may put on it
 * @param heartbeatAt  when its node agent last reported
 * @param lost         whether it stopped reporting and its workspaces were marked lost
 */
public record NodeRecord(String id, String relayAddress, int capacity, Instant heartbeatAt, boolean lost) {

    public NodeRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(relayAddress, "relayAddress");
        Objects.requireNonNull(heartbeatAt, "heartbeatAt");
    }
}
