package dev.codermon.proxy.relay;

import dev.codermon.auth.route.NodeDirectory;
import picocli.CommandLine.Option;

/** Adds the relay's flags and environment variables to the proxy's command line (a picocli mixin). */
public final class RelayOptions {

    @Option(names = "--node-id", defaultValue = "${env:CODERMON_NODE_ID:-}",
            description = "This node's id in a cluster (a DNS label its relay certificate names); none: one machine,"
                    + " no relay (env CODERMON_NODE_ID).")
    private String nodeId;

    @Option(names = "--relay-port", defaultValue = "${env:CODERMON_RELAY_PORT:-}",
            description = "Port of this node's relay, -1 for none (env CODERMON_RELAY_PORT; default "
                    + RelaySettings.DEFAULT_PORT + " with a node id).")
    private String port;

    @Option(names = "--relay-bind", defaultValue = "${env:CODERMON_RELAY_BIND:-" + RelaySettings.DEFAULT_BIND + "}",
            description = "Address the relay listens on (env CODERMON_RELAY_BIND; default ${DEFAULT-VALUE}).")
    private String bind;

    @Option(names = "--relay-tls-dir", defaultValue = "${env:CODERMON_RELAY_TLS_DIR:-}",
            description = "Directory with node.crt, node.key and the cluster's ca.crt (env CODERMON_RELAY_TLS_DIR).")
    private String tlsDir;

    /**
     * Returns the node's relay, finding other nodes' relays in the store's nodes table, or null without a
     * node id.
     *
     * @throws IllegalArgumentException naming a bad setting or TLS file
     */
    public NodeRelay nodeRelay(Object store) {
        RelaySettings settings = RelaySettings.parse(nodeId, bind, port, tlsDir);
        if (settings == null) {
            return null;
        }
        NodeDirectory nodes = store instanceof NodeDirectory directory ? directory : java.util.List::of;
        return NodeRelay.create(settings, nodes);
    }
}
