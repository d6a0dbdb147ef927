package dev.codermon.proxy.relay;

import dev.codermon.auth.route.RelayCertificateFile;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's relay key and certificate as the files in {@code CODERMON_RELAY_TLS_DIR}: loaded at start and
 * looked at again every {@link #EVERY}, so that a certificate issued again takes no restart (docs/relay.md).
 * <ul>
 * <li>Files that changed are loaded and checked as at start (the node they name, the cluster CA's
 * signature, a key that fits the certificate). Files that do not pass (half copied, a key replaced without
 * its certificate) leave the contexts loaded before in use, with a warning, until they change again.</li>
 * <li>A new certificate is presented from the moment the nodes table holds it: this node's agent publishes
 * the certificate of the same directory within a heartbeat, and the other nodes take only the published one
 * ({@link PeerCheck}). Until then this node goes on with the one before, which they still take. While it
 * waits (at most {@link #PUBLISH_WAIT}) it reads the table once a second; after that, at the table's
 * regular reads, with a warning.</li>
 * <li>A certificate that expires within {@link #EXPIRY_WARNING}, or has expired, is warned about once a day.</li>
 * </ul>
 */
final class RelayTlsFiles implements Supplier<RelayTls>, AutoCloseable {

    static final Duration EVERY = Duration.ofSeconds(1);
    static final Duration PUBLISH_WAIT = Duration.ofMinutes(1);
    static final Duration EXPIRY_WARNING = Duration.ofDays(30);
    private static final Logger log = LoggerFactory.getLogger(RelayTlsFiles.class);
    private static final String[] FILES = {ClusterCa.NODE_CERT, ClusterCa.NODE_KEY, ClusterCa.CA_CERT};

    private final Path dir;
    private final String nodeId;
    private final NodeAddressBook book;
    private final Clock clock;
    private volatile RelayTls current;
    /** The files' version that was last loaded, or failed to load. */
    private List<Object> version;
    /** Loaded from the files, waiting for this node's agent to publish its certificate. */
    private RelayTls pending;
    private Instant pendingSince;
    private boolean pendingWarned;
    private boolean unreadable;
    private Instant expiryWarned;
    private ScheduledExecutorService timer;

    private RelayTlsFiles(Path dir, String nodeId, NodeAddressBook book, Clock clock) {
        this.dir = dir;
        this.nodeId = nodeId;
        this.book = book;
        this.clock = clock;
    }

    /**
     * Loads the files now.
     *
     * @param book the nodes table, whose entry for this node says which certificate its agent published
     * @throws IllegalArgumentException naming the file and what is wrong
     */
    static RelayTlsFiles load(Path dir, String nodeId, NodeAddressBook book, Clock clock) {
        RelayTlsFiles files = new RelayTlsFiles(dir, nodeId, book, clock);
        try {
            files.version = versionOf(dir);
        } catch (IOException e) {
            files.version = List.of();
        }
        files.current = RelayTls.load(dir, nodeId);
        files.warnOfExpiry();
        return files;
    }

    /** Looks at the files every {@link #EVERY} on a daemon thread of its own, until {@link #close}. */
    RelayTlsFiles follow() {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "relay-tls-files");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(() -> {
            try {
                check();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                log.warn("looking at the relay TLS files in {} failed", dir, e);
            }
        }, EVERY.toMillis(), EVERY.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /** Returns the contexts in use now: what new relay connections, either way, present. */
    @Override
    public RelayTls get() {
        return current;
    }

    /** Loads files that changed, and presents a loaded certificate once its node published it. */
    synchronized void check() throws InterruptedException {
        List<Object> now;
        try {
            now = versionOf(dir);
            if (unreadable) {
                unreadable = false;
                log.info("relay TLS directory {} readable again", dir);
            }
        } catch (IOException e) {
            if (!unreadable) {
                unreadable = true;
                log.warn("cannot read the relay TLS files in {} ({}); node {} goes on with the certificate loaded"
                        + " before", dir, e.getMessage(), nodeId);
            }
            return;
        }
        if (!now.equals(version)) {
            version = now;
            load();
        }
        if (pending != null) {
            takeIfPublished();
        }
        warnOfExpiry();
    }

    private void load() {
        RelayTls loaded;
        try {
            loaded = RelayTls.load(dir, nodeId);
        } catch (IllegalArgumentException e) {
            pending = null;
            log.warn("the relay TLS files in {} changed but cannot be used: {}; node {} goes on with the certificate"
                    + " loaded before ({}) until they change again", dir, e.getMessage(), nodeId,
                    current.fingerprint());
            return;
        }
        if (loaded.fingerprint().equals(current.fingerprint())) {
            // The same certificate (its CA file or key file written again): nothing for the agent to publish.
            pending = null;
            current = loaded;
            log.info("relay TLS files in {} read again; node {} presents the same certificate ({})", dir, nodeId,
                    loaded.fingerprint());
            return;
        }
        pending = loaded;
        pendingSince = clock.instant();
        pendingWarned = false;
        log.info("relay certificate of node {} in {} issued again ({}); presenting it once node {}'s agent has"
                + " published it", nodeId, dir, loaded.fingerprint(), nodeId);
    }

    private void takeIfPublished() throws InterruptedException {
        String fingerprint = pending.fingerprint();
        boolean waiting = Duration.between(pendingSince, clock.instant()).compareTo(PUBLISH_WAIT) < 0;
        String refusal = book.refusal(nodeId, fingerprint);
        if (refusal != null && waiting) {
            refusal = book.refusalAfterReading(nodeId, fingerprint);
        }
        if (refusal == null) {
            current = pending;
            pending = null;
            expiryWarned = null;
            log.info("node {} now presents its relay certificate issued again ({}, valid until {}); connections"
                    + " opened with the one before end as the other nodes read the table", nodeId, fingerprint,
                    current.certificate().getNotAfter().toInstant());
            warnOfExpiry();
        } else if (!waiting && !pendingWarned) {
            pendingWarned = true;
            log.warn("node {}'s agent has not published the relay certificate in {} ({}) within {} s: is it running"
                    + " with CODERMON_RELAY_TLS_DIR={}? Node {} goes on with the certificate before ({}) and takes"
                    + " the new one once it is published", nodeId, dir, fingerprint, PUBLISH_WAIT.toSeconds(), dir,
                    nodeId, current.fingerprint());
        }
    }

    private void warnOfExpiry() {
        Instant now = clock.instant();
        Instant notAfter = current.certificate().getNotAfter().toInstant();
        if (now.plus(EXPIRY_WARNING).isBefore(notAfter)
                || (expiryWarned != null && now.isBefore(expiryWarned.plus(Duration.ofDays(1))))) {
            return;
        }
        expiryWarned = now;
        if (!now.isBefore(notAfter)) {
            log.error("the relay certificate of node {} ({}) expired at {}: other nodes refuse it; issue it again"
                    + " (docs/relay.md)", nodeId, dir.resolve(ClusterCa.NODE_CERT), notAfter);
        } else {
            log.warn("the relay certificate of node {} ({}) expires at {}, in {} days: issue it again (docs/relay.md)",
                    nodeId, dir.resolve(ClusterCa.NODE_CERT), notAfter, Duration.between(now, notAfter).toDays());
        }
    }

    /** Returns what tells one state of the three files from another ({@link RelayCertificateFile#versionOf}). */
    private static List<Object> versionOf(Path dir) throws IOException {
        List<Object> version = new ArrayList<>();
        for (String name : FILES) {
            version.add(RelayCertificateFile.versionOf(dir.resolve(name)));
        }
        return version;
    }

    /** Stops looking at the files. */
    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
