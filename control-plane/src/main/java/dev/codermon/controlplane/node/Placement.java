package dev.codermon.controlplane.node;

import dev.codermon.auth.route.NodeRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Picks the node a workspace starts on: a live node (not lost, heard from within {@link #FRESH_FOR}) with
 * room (fewer placed workspaces than its capacity), the one with the most room left; ties go to the
 * smaller id, so placement is predictable.
 */
final class Placement {

    /** How recent a node's heartbeat must be for it to get new work: a few heartbeats. */
    static final Duration FRESH_FOR = NodeAgent.HEARTBEAT_EVERY.multipliedBy(4);

    private Placement() {
    }

    /**
     * Returns the node to place on, or empty if none is live with room.
     *
     * @param placed how many workspaces each node holds now (starting or running), by node id
     */
    static Optional<NodeRecord> pick(List<NodeRecord> nodes, Map<String, Integer> placed, Instant now) {
        return nodes.stream()
                .filter(n -> isLive(n, now) && room(n, placed) > 0)
                .max(Comparator.<NodeRecord>comparingInt(n -> room(n, placed))
                        .thenComparing(NodeRecord::id, Comparator.reverseOrder()));
    }

    /** Says why no node could be picked, node by node, for the error a create answers. */
    static String whyNone(List<NodeRecord> nodes, Map<String, Integer> placed, Instant now) {
        if (nodes.isEmpty()) {
            return "no node has registered (start a node agent: docs/scale-out.md)";
        }
        return "no live node has room: " + nodes.stream().map(n -> n.id() + " " + (n.lost() ? "lost"
                : !isLive(n, now) ? "silent since " + n.heartbeatAt()
                : placed.getOrDefault(n.id(), 0) + "/" + n.capacity() + " placed"))
                .collect(Collectors.joining(", "));
    }

    /**
     * Whether a node with room is only silent (not lost): it may report again in a moment, as every node
     * does once a store outage ends.
     */
    static boolean anySilentWithRoom(List<NodeRecord> nodes, Map<String, Integer> placed, Instant now) {
        return nodes.stream().anyMatch(n -> !n.lost() && !isLive(n, now) && room(n, placed) > 0);
    }

    static boolean isLive(NodeRecord n, Instant now) {
        return !n.lost() && !n.heartbeatAt().isBefore(now.minus(FRESH_FOR));
    }

    private static int room(NodeRecord n, Map<String, Integer> placed) {
        return n.capacity() - placed.getOrDefault(n.id(), 0);
    }
}
