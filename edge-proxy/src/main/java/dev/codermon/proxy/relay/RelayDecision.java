package dev.codermon.proxy.relay;

import dev.codermon.auth.route.Route;
import java.util.Optional;

/**
 * Decides whether a relay forwards to a workspace: only to one the store places on the relay's own node.
 * A refusal is the {@code ERR} line's status and reason.
 */
record RelayDecision(int status, String reason) {

    static final RelayDecision ALLOW = new RelayDecision(200, "OK");

    static RelayDecision decide(String ownNode, String hostname, Optional<Route> route) {
        if (route.isEmpty()) {
            return new RelayDecision(404, "no running workspace at " + hostname);
        }
        String node = route.get().nodeId();
        if (node == null) {
            return new RelayDecision(403, "workspace " + hostname + " is placed on no node, not on " + ownNode);
        }
        if (!node.equals(ownNode)) {
            return new RelayDecision(403, "workspace " + hostname + " is placed on node " + node + ", not " + ownNode);
        }
        return ALLOW;
    }

    boolean allowed() {
        return this == ALLOW;
    }

    /** Returns the answer line, newline included. */
    String line() {
        return allowed() ? RelayPreface.OK + "\n" : RelayPreface.ERR + status + " " + reason + "\n";
    }
}
