package dev.codermon.controlplane.workspace;

import dev.codermon.auth.route.WorkspaceRecord;

/**
 * Reports the outcome of a start request.
 *
 * @param record  the workspace, now running
 * @param created whether the workspace did not exist before this request
 */
public record StartedWorkspace(WorkspaceRecord record, boolean created) {
}
