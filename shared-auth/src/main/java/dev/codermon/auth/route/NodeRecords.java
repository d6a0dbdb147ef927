package dev.codermon.auth.route;

/**
 * Registers the cluster's nodes (the control plane, for its node agents): a node reports itself and its
 * heartbeat by saving its record. Failures throw {@link RouteStoreException}.
 */
public interface NodeRecords extends NodeDirectory {

    /** Inserts the node, or replaces the record with the same id (a heartbeat, a move, marking it lost). */
    void saveNode(NodeRecord node);

    /**
     * Removes a node from the cluster, in one statement and only if it is marked lost (its agent stopped
     * reporting) and no workspace record is placed on it (their files are on that node's disk): its relay
     * certificate then opens no relay any more. An agent that reports again later joins anew.
     */
    Retirement retireNode(String id);

    /** What {@link #retireNode} did, or why not. */
    enum Retirement {
        /** Removed, with what its agent last reported running. */
        RETIRED,
        /** No node with that id. */
        UNKNOWN,
        /** Not marked lost: its agent reports, or stopped too recently. */
        REPORTING,
        /** Lost, but workspace records are still placed on it. */
        HOLDS_WORKSPACES
    }

    /** Returns the records of a store that keeps no nodes (a control plane alone on one machine, in tests). */
    static NodeRecords none() {
        return new NodeRecords() {
            @Override
            public java.util.List<NodeRecord> nodes() {
                return java.util.List.of();
            }

            @Override
            public void saveNode(NodeRecord node) {
                throw new UnsupportedOperationException("this store keeps no nodes");
            }

            @Override
            public Retirement retireNode(String id) {
                return Retirement.UNKNOWN;
            }
        };
    }
}
