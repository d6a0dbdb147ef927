package dev.codermon.controlplane;

import dev.codermon.auth.route.Leadership;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Hands each job to one of several control planes in one JVM, as PostgreSQL's session advisory locks do
 * across machines: the first to ask takes a free job and holds it until it closes (tests only).
 */
final class InJvmLeadership implements Leadership {

    private final ConcurrentMap<String, InJvmLeadership> holders;

    /** Creates one replica's leadership over the shared table of holders. */
    InJvmLeadership(ConcurrentMap<String, InJvmLeadership> holders) {
        this.holders = holders;
    }

    static ConcurrentMap<String, InJvmLeadership> table() {
        return new ConcurrentHashMap<>();
    }

    @Override
    public boolean leads(String job) {
        return holders.computeIfAbsent(job, j -> this) == this;
    }

    @Override
    public void close() {
        holders.values().removeIf(holder -> holder == this);
    }
}
