package dev.codermon.auth.route;

import java.util.List;

/**
 * Reads the cluster's nodes (the proxy to find another node's relay, the control plane to place
 * workspaces). Every method may block on I/O; failures throw {@link RouteStoreException}.
 */
public interface NodeDirectory {

    /** Returns every node the store knows, by id. */
    List<NodeRecord> nodes();
}
