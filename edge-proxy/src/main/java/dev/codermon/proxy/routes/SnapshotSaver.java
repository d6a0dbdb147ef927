package dev.codermon.proxy.routes;

import dev.codermon.auth.route.RouteSnapshot;
import java.io.IOException;
import java.nio.channels.ClosedByInterruptException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides when the {@link RouteFollower} writes its table to the {@link SnapshotFile}: soon after a change,
 * at most once per interval however fast changes come, and again after a failed write. Reads it back at
 * start when the store cannot be read. Used by the follower's thread only.
 */
final class SnapshotSaver {

    private static final Logger log = LoggerFactory.getLogger(SnapshotSaver.class);

    private final SnapshotFile file;
    private final Clock clock;
    private final long everyNanos;
    private boolean dirty;
    private long lastWriteNanos;
    private boolean failing;

    SnapshotSaver(SnapshotFile file, Clock clock, Duration every) {
        this.file = file;
        this.clock = clock;
        this.everyNanos = every.toNanos();
        this.lastWriteNanos = System.nanoTime() - everyNanos;
    }

    /** Notes that the table changed since the last write. */
    void changed() {
        dirty = true;
    }

    /** Notes that the file already holds the table (it was just read from it). */
    void unchanged() {
        dirty = false;
    }

    /** Returns how long the follower may wait before the next write is due, at most {@code max}. */
    Duration untilDue(Duration max) {
        if (!dirty) {
            return max;
        }
        long left = lastWriteNanos + everyNanos - System.nanoTime();
        return Duration.ofNanos(Math.max(Duration.ofMillis(1).toNanos(), Math.min(left, max.toNanos())));
    }

    /** Writes the table if it changed and the last write is at least one interval old. */
    void saveIfDue(Supplier<RouteSnapshot> table) {
        if (dirty && System.nanoTime() - lastWriteNanos >= everyNanos) {
            saveNow(table);
        }
    }

    /** Writes the table if it changed since the last write. */
    void saveNow(Supplier<RouteSnapshot> table) {
        if (!dirty) {
            return;
        }
        lastWriteNanos = System.nanoTime();
        try {
            write(table.get());
            dirty = false;
            if (failing) {
                failing = false;
                log.info("route snapshot {} written again", file.path());
            }
        } catch (IOException | RuntimeException e) {
            if (!failing) {
                failing = true;
                log.warn("cannot write the route snapshot {}; retrying: {}", file.path(), e.toString());
            }
        }
    }

    private void write(RouteSnapshot snapshot) throws IOException {
        try {
            file.write(snapshot, clock.instant());
        } catch (ClosedByInterruptException e) {
            // Interrupted by the follower's close: write once more, uninterrupted, then keep the interrupt.
            Thread.interrupted();
            try {
                file.write(snapshot, clock.instant());
            } finally {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Reads the snapshot back; empty (and said why) if there is none or it cannot be used. */
    Optional<RouteSnapshot> restore() {
        try {
            Optional<SnapshotFile.Saved> saved = file.read();
            if (saved.isEmpty()) {
                log.warn("no route snapshot at {}: serving no route until the store answers", file.path());
                return Optional.empty();
            }
            RouteSnapshot snapshot = saved.get().snapshot();
            Duration age = Duration.between(saved.get().savedAt(), clock.instant());
            log.warn("serving {} routes and {} revocations from the route snapshot {}, written {} s ago (version {}),"
                    + " until the store answers", snapshot.routes().size(), snapshot.revocations().size(), file.path(),
                    age.toSeconds(), snapshot.version());
            return Optional.of(snapshot);
        } catch (IOException | RuntimeException e) {
            log.warn("ignoring the route snapshot {} (it cannot be used): {}", file.path(), e.getMessage());
            return Optional.empty();
        }
    }
}
