package dev.codermon.controlplane.workspace;

/**
 * Bounds how many workspaces exist and run.
 *
 * @param perUser          how many workspaces (in any state) one user may have
 * @param total            how many may be starting or running at once, all users together
 * @param concurrentStarts how many may be starting at the same moment
 */
public record WorkspaceLimits(int perUser, int total, int concurrentStarts) {

    public WorkspaceLimits {
        if (perUser < 1 || total < 1 || concurrentStarts < 1) {
            throw new IllegalArgumentException("workspace limits must be at least 1");
        }
    }
}
