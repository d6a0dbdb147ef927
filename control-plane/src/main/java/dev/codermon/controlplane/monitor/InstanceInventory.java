package dev.codermon.controlplane.monitor;

import java.util.List;

/**
 * Lists the instances a runtime manages (for example containers found by their labels), so that the
 * reconcile can stop the ones no record accounts for. A runtime that cannot list its instances has none.
 */
@FunctionalInterface
public interface InstanceInventory {

    /**
     * Names one managed instance.
     *
     * @param workspaceId the workspace it was started for
     * @param runtimeRef  the runtime's reference to it
     */
    record Instance(String workspaceId, String runtimeRef) {
    }

    /** Returns every instance the runtime manages right now. */
    List<Instance> list();
}
