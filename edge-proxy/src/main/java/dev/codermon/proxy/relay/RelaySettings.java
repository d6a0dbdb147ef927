package dev.codermon.proxy.relay;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Holds this proxy's place in a cluster, validated on construction: its node id and where its relay
 * listens. Without a node id the proxy has no relay and reaches only workspaces of a one-machine store.
 *
 * @param nodeId this node's id ({@code CODERMON_NODE_ID}), a DNS label its relay certificate names
 * @param bind   the address the relay listens on ({@code CODERMON_RELAY_BIND})
 * @param port   the relay's port ({@code CODERMON_RELAY_PORT}); 0 picks a free one, -1 listens nowhere (this
 *               proxy then still reaches other nodes' relays)
 * @param tlsDir the directory with {@code node.crt}, {@code node.key} and the cluster's {@code ca.crt}
 *               ({@code CODERMON_RELAY_TLS_DIR})
 */
public record RelaySettings(String nodeId, String bind, int port, Path tlsDir) {

    public static final int DEFAULT_PORT = 5003;
    public static final String DEFAULT_BIND = "0.0.0.0";

    /** @throws IllegalArgumentException naming the bad setting and what is expected */
    public RelaySettings {
        NodeId.parse("CODERMON_NODE_ID", nodeId);
        if (bind == null || bind.isBlank()) {
            throw new IllegalArgumentException("CODERMON_RELAY_BIND must be an address to listen on");
        }
        if (port < -1 || port > 65535) {
            throw new IllegalArgumentException("CODERMON_RELAY_PORT must be 0-65535, or -1 for none, was " + port);
        }
        if (tlsDir == null || !Files.isDirectory(tlsDir)) {
            throw new IllegalArgumentException("CODERMON_RELAY_TLS_DIR must be a directory holding node.crt, node.key"
                    + " and ca.crt (see docs/relay.md), was " + tlsDir);
        }
    }

    /**
     * Parses the relay settings as the environment gives them; returns null when there is no node id.
     *
     * @throws IllegalArgumentException for a relay port or TLS directory without a node id, or a bad value
     */
    public static RelaySettings parse(String nodeId, String bind, String port, String tlsDir) {
        if (nodeId == null || nodeId.isBlank()) {
            if (!isBlank(port) || !isBlank(tlsDir)) {
                throw new IllegalArgumentException("CODERMON_RELAY_PORT and CODERMON_RELAY_TLS_DIR need CODERMON_NODE_ID");
            }
            return null;
        }
        int relayPort;
        try {
            relayPort = isBlank(port) ? DEFAULT_PORT : Integer.parseInt(port.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("CODERMON_RELAY_PORT must be a port number, was '" + port + "'");
        }
        if (isBlank(tlsDir)) {
            throw new IllegalArgumentException("CODERMON_NODE_ID needs CODERMON_RELAY_TLS_DIR (node.crt, node.key, ca.crt)");
        }
        return new RelaySettings(nodeId.strip(), isBlank(bind) ? DEFAULT_BIND : bind.strip(), relayPort,
                Path.of(tlsDir.strip()));
    }

    private static boolean isBlank(String text) {
        return text == null || text.isBlank();
    }
}
