package dev.codermon.auth.route;

import java.time.Instant;

/** Records when a workspace last had real traffic (the proxy writes, the control plane's monitor reads). */
public interface ActivityWriter {

    /** Records that the workspace had real traffic at the given time (never moves time backwards). */
    void recordActivity(String workspaceId, Instant at);
}
