package dev.codermon.proxy.relay;

import dev.codermon.auth.route.NodeDirectory;
import dev.codermon.auth.route.NodeRecord;
import dev.codermon.auth.route.RouteStoreException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Knows every node of the cluster from the store's nodes table, read whole at start and every {@link #EVERY}
 * after, so that a store outage never cuts a proxy off other nodes: a failed read keeps what was known, and
 * a node never asked about before the outage is known too.
 * <ul>
 * <li>Each node's relay address. A node not in the book (it just joined), or lost when last read (it may
 * report again), is read at once. Lost nodes have no address.</li>
 * <li>Each node's relay certificate, as its node agent published it ({@link PeerCheck}): the only one a
 * relay takes from that node's proxy, and a proxy from that node's relay. A node removed from the table
 * is no member; a certificate issued again replaces the old one. A lost node stays a member (its agent
 * stopped; its proxy may still serve users).</li>
 * </ul>
 */
final class NodeAddressBook {

    static final Duration EVERY = Duration.ofSeconds(10);
    /** The least time between two reads asked for by a certificate the book does not know. */
    static final Duration REREAD_AFTER = Duration.ofSeconds(1);
    private static final Logger log = LoggerFactory.getLogger(NodeAddressBook.class);

    private final NodeDirectory directory;
    private final LongSupplier nanoTime;
    private volatile Map<String, NodeRecord> nodes = Map.of();
    private final java.util.List<Runnable> onChange = new java.util.concurrent.CopyOnWriteArrayList<>();
    private boolean failing;
    private long lastRead;

    NodeAddressBook(NodeDirectory directory, LongSupplier nanoTime) {
        this.directory = directory;
        this.nanoTime = nanoTime;
        this.lastRead = nanoTime.getAsLong() - REREAD_AFTER.toNanos();
    }

    /** Reads the table now (if it can) and then every {@link #EVERY} on a daemon thread of its own. */
    static NodeAddressBook following(NodeDirectory directory) {
        NodeAddressBook book = new NodeAddressBook(directory, System::nanoTime);
        book.refresh();
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "relay-nodes");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(book::refresh, EVERY.toMillis(), EVERY.toMillis(), TimeUnit.MILLISECONDS);
        return book;
    }

    /** Returns the node's relay address ({@code host:port}), or empty if it has none; may block on the store. */
    Optional<String> relayAddress(String node) {
        NodeRecord known = nodes.get(node);
        if (known == null || known.lost()) {
            // Just joined, or lost when last read and maybe reporting again: read now, not at the next period.
            refresh();
            known = nodes.get(node);
        }
        return known == null || known.lost() ? Optional.empty() : Optional.of(known.relayAddress());
    }

    /**
     * Answers from what is known, without blocking: null if the certificate (its {@linkplain
     * NodeRecord#fingerprint fingerprint}) is the one the node published, else why not.
     */
    String refusal(String node, String fingerprint) {
        NodeRecord known = nodes.get(node);
        if (known == null) {
            return "node " + node + " is not in the cluster's nodes table";
        }
        if (known.relayCertificate() == null) {
            return "node " + node + " has published no relay certificate (its node agent publishes it at every"
                    + " heartbeat)";
        }
        if (!known.relayCertificate().equals(fingerprint)) {
            return "its certificate is not the one node " + node + " published (issued again since, or no longer"
                    + " valid)";
        }
        return null;
    }

    /**
     * Reads the table again, but not sooner than {@link #REREAD_AFTER} after the last read (it waits for
     * that, so that the answer is never older than the question), then answers as {@link #refusal}.
     */
    synchronized String refusalAfterReading(String node, String fingerprint) throws InterruptedException {
        if (refusal(node, fingerprint) == null) {
            return null; // another caller's read found it
        }
        long wait = lastRead + REREAD_AFTER.toNanos() - nanoTime.getAsLong();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
        if (!refresh()) {
            return "cannot read the cluster's nodes table to check node " + node + "'s certificate";
        }
        return refusal(node, fingerprint);
    }

    /** Runs the task after every read of the table that changed what is known (on the reading thread). */
    void onChange(Runnable task) {
        onChange.add(task);
    }

    /** Reads the whole table; returns whether it could. */
    synchronized boolean refresh() {
        try {
            Map<String, NodeRecord> table = new HashMap<>();
            for (NodeRecord n : directory.nodes()) {
                // Only what a peer is judged by: a heartbeat alone changes nothing here.
                table.put(n.id(), new NodeRecord(n.id(), n.relayAddress(), n.capacity(), java.time.Instant.EPOCH,
                        n.lost(), n.relayCertificate()));
            }
            Map<String, NodeRecord> before = nodes;
            nodes = Map.copyOf(table);
            if (!nodes.equals(before)) {
                for (Runnable task : onChange) {
                    try {
                        task.run();
                    } catch (RuntimeException e) {
                        log.warn("a task after a change of the nodes table failed", e);
                    }
                }
            }
            if (failing) {
                failing = false;
                log.info("nodes table readable again; {} nodes", table.size());
            }
            return true;
        } catch (RouteStoreException e) {
            if (!failing) {
                failing = true;
                log.warn("cannot read the nodes table; keeping the {} nodes known: {}", nodes.size(),
                        e.getMessage());
            }
            return false;
        } finally {
            lastRead = nanoTime.getAsLong();
        }
    }
}
