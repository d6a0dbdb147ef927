package dev.codermon.auth.route;

/**
 * Registers the cluster's nodes (the control plane, for its node agents): a node reports itself and its
 * heartbeat by saving its record. Failures throw {@link RouteStoreException}.
 */
public interface NodeRecords extends NodeDirectory {

    /** Inserts the node, or replaces the record with the same id (a heartbeat, a move, marking it lost). */
    void saveNode(NodeRecord node);
}
