package dev.codermon.controlplane.monitor;

/** Counts one monitor pass's work; touched only by the passing thread. */
final class PassTally {
    int running;
    int reaped;
    int dead;
    int restarted;
    int settled;
    int orphans;
    int failures;

    WorkspaceMonitor.PassResult result() {
        return new WorkspaceMonitor.PassResult(running, reaped, dead, restarted, settled, orphans, failures);
    }
}
