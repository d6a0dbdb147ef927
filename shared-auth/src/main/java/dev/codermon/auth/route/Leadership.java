package dev.codermon.auth.route;

/**
 * Lets exactly one of several control planes run a cluster-wide job (the monitor, reconcile, the reaper,
 * pruning, placement of lost nodes' work). On PostgreSQL it is a session advisory lock held on a
 * connection of its own: it is released by PostgreSQL itself when the holder dies or its connection
 * breaks, so no home-made lease or consensus is involved. On SQLite (one machine, one control plane) the
 * only control plane always leads.
 */
public interface Leadership extends AutoCloseable {

    /**
     * Returns whether this process leads the named job now, taking the lock if it is free. Cheap enough to
     * call before every pass of a job. Returns false (never throws) while the store cannot be reached: a
     * process that cannot see the store must not act as leader.
     */
    boolean leads(String job);

    /** Releases every lock this process holds (so that another replica takes over at once). */
    @Override
    void close();
}
