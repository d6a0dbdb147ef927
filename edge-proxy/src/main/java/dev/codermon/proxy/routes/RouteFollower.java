package dev.codermon.proxy.routes;

import dev.codermon.auth.route.ChangeDoorbell;
import dev.codermon.auth.route.RouteChanges;
import dev.codermon.auth.route.RouteFeed;
import dev.codermon.auth.route.RouteSnapshot;
import dev.codermon.auth.route.RouteStoreException;
import dev.codermon.proxy.access.LiveConnections;
import dev.codermon.proxy.access.Revocations;
import java.time.Clock;
import java.time.Instant;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the {@link RouteTable} and the {@link Revocations} equal to the store's, on a thread of its own: loads
 * everything at start, then waits on the store's doorbell and reads what changed since the version it holds
 * (everything again after the doorbell reconnects, after the log was pruned, and after any failed read); a
 * quiet doorbell still gets a cheap read every few seconds, in case a ring was lost. After every change it
 * closes the live connections that a revocation or a removed route no longer allows, and saves the table to
 * the local snapshot. A failed read changes nothing: every route and revocation stays until a read succeeds.
 */
public final class RouteFollower implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RouteFollower.class);

    private final RouteFeed feed;
    private final RouteTable table;
    private final Revocations revocations;
    private final LiveConnections connections;
    private final SnapshotSaver saver;
    private final FeedPacing pacing;
    private final Thread thread = new Thread(this::run, "route-feed");
    private final long startedNanos = System.nanoTime();
    private volatile boolean closing;
    private volatile long lastReadNanos;
    private volatile long reloads;
    /** Every revocation by key, as the feed gave it last (the snapshot keeps them so). Follower thread only. */
    private Map<String, Instant> revocationKeys = Map.of();
    private boolean mustReload;
    private volatile boolean failing;
    /** Reads asked for by {@link #readSoon}, answered by the next read that starts after them. */
    private final Queue<CompletableFuture<Void>> wanted = new ConcurrentLinkedQueue<>();
    /** The doorbell being waited on, for {@link #readSoon} to wake. */
    private volatile ChangeDoorbell listening;
    private long backoffMillis;
    /** When the last read asked for by {@link #readSoon} started (0: none yet). Follower thread only. */
    private long askedReadNanos;

    /** Creates a follower that saves the table to the snapshot file (see {@link #start()}). */
    public RouteFollower(RouteFeed feed, RouteTable table, Revocations revocations, LiveConnections connections,
            Path snapshotFile) {
        this(feed, table, revocations, connections, new SnapshotFile(snapshotFile), Clock.systemUTC(), FeedPacing.DEFAULT);
    }

    RouteFollower(RouteFeed feed, RouteTable table, Revocations revocations, LiveConnections connections,
            SnapshotFile snapshot, Clock clock, FeedPacing pacing) {
        // Read by the starting thread, then by the follower's only (RouteFeed#reader: on PostgreSQL a
        // connection of its own, so that reads resume within the follower's retry once the store is back).
        this.feed = feed.reader();
        this.table = table;
        this.revocations = revocations;
        this.connections = connections;
        this.saver = new SnapshotSaver(snapshot, clock, pacing.saveEvery());
        this.pacing = pacing;
        this.backoffMillis = pacing.backoff().toMillis();
        thread.setDaemon(true);
    }

    /**
     * Loads everything on the calling thread (so that the first requests see every route) or, if the store
     * cannot be read, the local snapshot; then follows the feed on the follower's own thread.
     */
    public RouteFollower start() {
        try {
            reload();
            log.info("loaded {} routes and {} revocations from the store (version {})", table.size(),
                    revocationKeys.size(), table.version());
        } catch (RouteStoreException e) {
            failed(e);
            saver.restore().ifPresent(snapshot -> {
                apply(snapshot);
                saver.unchanged();
            });
        }
        thread.start();
        return this;
    }

    /** Returns the seconds since the last successful read of the store (since the start if none succeeded). */
    public double secondsSinceRead() {
        long last = lastReadNanos;
        return (System.nanoTime() - (last == 0 ? startedNanos : last)) / 1e9;
    }

    /**
     * Asks for a read of the store's changes now rather than at the next ring: a request named a hostname the
     * table does not hold, perhaps because its route was written a moment ago and the doorbell has not rung
     * here yet. Returns a future completed once a read that started after this call has ended (whether it
     * succeeded or not), or at once while the store cannot be read or the follower is not running. Many asks
     * at once share one read.
     */
    public CompletableFuture<Void> readSoon() {
        if (failing || closing || !thread.isAlive()) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> read = new CompletableFuture<>();
        wanted.add(read);
        ChangeDoorbell doorbell = listening;
        if (doorbell != null) {
            doorbell.wake();
        }
        return read;
    }

    /** Returns how many times everything was read from the store. */
    public long reloads() {
        return reloads;
    }

    private void run() {
        ChangeDoorbell doorbell = null;
        try {
            while (!closing) {
                try {
                    if (doorbell == null) {
                        doorbell = feed.openDoorbell();
                        listening = doorbell;
                        // Changes between the last read and the doorbell's start rang nothing.
                        if (!mustReload) {
                            catchUp();
                        }
                    }
                    follow(doorbell);
                    backoffMillis = pacing.backoff().toMillis();
                } catch (RouteStoreException e) {
                    failed(e);
                    pause();
                } catch (RuntimeException e) {
                    log.warn("route feed step failed; keeping every known route", e);
                    mustReload = true;
                    pause();
                }
                saver.saveIfDue(this::current);
            }
        } finally {
            answerWanted();
            // Interrupted by close(): the last write must not be cut short by it.
            Thread.interrupted();
            if (doorbell != null) {
                try {
                    doorbell.close();
                } catch (RuntimeException e) {
                    log.debug("closing the route doorbell: {}", e.toString());
                }
            }
            saver.saveNow(this::current);
            if (feed instanceof AutoCloseable reader) {
                try {
                    reader.close();
                } catch (Exception e) {
                    log.debug("closing the route feed's reader: {}", e.toString());
                }
            }
        }
    }

    /**
     * Reads what is due, then waits for the doorbell once (unless a read is asked for already) and reads what
     * it says. Whoever asked for a read before that read starts is answered by it.
     */
    private void follow(ChangeDoorbell doorbell) {
        if (mustReload) {
            reload();
        }
        ChangeDoorbell.Ring ring = wanted.isEmpty() ? doorbell.await(saver.untilDue(pacing.ring()))
                : ChangeDoorbell.Ring.QUIET;
        // Asked for before the wait or during it (an ask wakes the wait): held to one read per askedEvery.
        if (!wanted.isEmpty() && !holdAskedRead()) {
            return; // Interrupted: closing.
        }
        List<CompletableFuture<Void>> asked = takeWanted();
        if (!asked.isEmpty()) {
            askedReadNanos = System.nanoTime();
        }
        try {
            switch (ring) {
                case RANG -> catchUp();
                case RECONNECTED -> reload();
                case QUIET -> {
                    if (!asked.isEmpty() || System.nanoTime() - lastReadNanos >= pacing.poll().toNanos()) {
                        catchUp();
                    }
                }
            }
        } finally {
            asked.forEach(read -> read.complete(null));
        }
    }

    /**
     * Waits until {@link FeedPacing#askedEvery} has passed since the last asked read started, so that
     * requests for hostnames no table holds (made up, or mistyped, one after another) cannot keep the store
     * reading back to back; asks that come meanwhile share the read after the wait. Returns false if
     * interrupted (the follower is closing).
     */
    private boolean holdAskedRead() {
        long wait = askedReadNanos == 0 ? 0 : pacing.askedEvery().toNanos() - (System.nanoTime() - askedReadNanos);
        if (wait <= 0) {
            return true;
        }
        try {
            TimeUnit.NANOSECONDS.sleep(wait);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Answers every read asked for: the store cannot be read now, or the follower stops. */
    private void answerWanted() {
        takeWanted().forEach(read -> read.complete(null));
    }

    private List<CompletableFuture<Void>> takeWanted() {
        List<CompletableFuture<Void>> asked = new ArrayList<>();
        for (CompletableFuture<Void> read; (read = wanted.poll()) != null; ) {
            asked.add(read);
        }
        return asked;
    }

    private void reload() {
        RouteSnapshot snapshot = feed.loadAll();
        succeeded();
        reloads++;
        mustReload = false;
        apply(snapshot);
    }

    private void catchUp() {
        RouteChanges changes = feed.changesSince(table.version());
        succeeded();
        if (!changes.complete()) {
            log.info("route change log no longer reaches version {}: reading everything", table.version());
            reload();
            return;
        }
        if (changes.routes().isEmpty() && changes.revocations() == null) {
            // Nothing a proxy holds changed (or nothing at all): only remember how far the log was read.
            table.moveTo(changes.version());
            return;
        }
        int changed = table.apply(changes.routes(), changes.version());
        if (changes.revocations() != null) {
            revocationKeys = Map.copyOf(changes.revocations());
            revocations.update(revocationKeys);
        }
        log.debug("route table at version {}: {} routes changed, revocations {}", changes.version(), changed,
                changes.revocations() == null ? "unchanged" : "read");
        enforce();
    }

    private void apply(RouteSnapshot snapshot) {
        table.replace(snapshot.routes(), snapshot.version());
        revocationKeys = snapshot.revocations();
        revocations.update(revocationKeys);
        enforce();
    }

    /** Closes what the table no longer allows, and marks the snapshot for saving. */
    private void enforce() {
        connections.closeRevoked(revocations);
        connections.closeUnrouted(table::find);
        saver.changed();
    }

    private RouteSnapshot current() {
        return new RouteSnapshot(table.version(), table.routes(), revocationKeys);
    }

    private void succeeded() {
        lastReadNanos = System.nanoTime();
        if (failing) {
            failing = false;
            log.info("route store readable again");
        }
    }

    private void failed(RouteStoreException e) {
        // Whatever was missed meanwhile (a reconnect, a pruned log) is covered by reading everything again.
        mustReload = true;
        answerWanted();
        if (!failing) {
            failing = true;
            log.warn("cannot read the route store; serving the {} known routes until it answers: {}", table.size(),
                    e.getMessage());
        }
    }

    private void pause() {
        try {
            Thread.sleep(backoffMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closing = true;
        }
        backoffMillis = Math.min(backoffMillis * 2, pacing.maxBackoff().toMillis());
    }

    /** Stops following (the table keeps what it holds) and saves the snapshot if a change is unsaved. */
    @Override
    public void close() {
        closing = true;
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
