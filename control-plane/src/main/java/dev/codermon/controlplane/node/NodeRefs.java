package dev.codermon.controlplane.node;

import java.util.Optional;

/**
 * Names what runs on a node in the store: {@code node:<node id>:<the node's own runtime reference>}, so
 * that any control plane can tell which node's agent to ask, and the agent which of its instances is meant.
 */
final class NodeRefs {

    private static final String PREFIX = "node:";

    private NodeRefs() {
    }

    static String of(String nodeId, String localRef) {
        return PREFIX + nodeId + ":" + localRef;
    }

    static boolean isNodeRef(String ref) {
        return ref != null && ref.startsWith(PREFIX) && ref.indexOf(':', PREFIX.length()) > PREFIX.length();
    }

    /** Returns the node a reference names, or empty if it is not a node reference. */
    static Optional<String> nodeOf(String ref) {
        return isNodeRef(ref) ? Optional.of(ref.substring(PREFIX.length(), ref.indexOf(':', PREFIX.length())))
                : Optional.empty();
    }

    /** Returns the node's own reference inside a node reference. */
    static String localOf(String ref) {
        if (!isNodeRef(ref)) {
            throw new IllegalArgumentException("not a node reference: " + ref);
        }
        return ref.substring(ref.indexOf(':', PREFIX.length()) + 1);
    }
}
