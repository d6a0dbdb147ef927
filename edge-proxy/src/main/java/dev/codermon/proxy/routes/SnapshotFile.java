package dev.codermon.proxy.routes;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codermon.auth.route.Route;
import dev.codermon.auth.route.RouteSnapshot;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Keeps the proxy's last known route table on local disk, so that a proxy started while the store cannot
 * be read still serves every route it knew. Written whole to a temporary file (0600, in a 0700 directory of
 * this proxy's own), synced, then renamed over the old one, so a crash leaves the old or the new file,
 * never half of one. A file that cannot be parsed is reported and ignored.
 */
final class SnapshotFile {

    private static final int FORMAT = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the file holds: plain strings and numbers, so that no Jackson module is needed. */
    private record Content(int format, long version, String savedAt, List<RouteEntry> routes,
            Map<String, String> revocations) {
    }

    private record RouteEntry(String workspaceId, String user, String hostname, String upstreamSocket,
            String nodeId) {
    }

    /** A snapshot read back, and when it was written. */
    record Saved(RouteSnapshot snapshot, Instant savedAt) {
    }

    private final Path file;

    SnapshotFile(Path file) {
        this.file = file.toAbsolutePath();
    }

    Path path() {
        return file;
    }

    /** Writes the snapshot atomically. */
    void write(RouteSnapshot snapshot, Instant now) throws IOException {
        List<RouteEntry> routes = new ArrayList<>(snapshot.routes().size());
        snapshot.routes().values().forEach(r -> routes.add(
                new RouteEntry(r.workspaceId(), r.user(), r.hostname(), r.upstreamSocket(), r.nodeId())));
        Map<String, String> revocations = new HashMap<>();
        snapshot.revocations().forEach((key, time) -> revocations.put(key, time.toString()));
        byte[] bytes = JSON.writeValueAsBytes(new Content(FORMAT, snapshot.version(), now.toString(), routes,
                revocations));
        Path dir = file.getParent();
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        Path temp = Files.createTempFile(dir, ".routes-snapshot-", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE);
                    OutputStream out = Channels.newOutputStream(channel)) {
                out.write(bytes);
                out.flush();
                channel.force(true);
            }
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /**
     * Reads the snapshot back.
     *
     * @return empty if there is no file
     * @throws IOException if it cannot be read or is not a snapshot of this format (damaged, or foreign)
     */
    Optional<Saved> read() throws IOException {
        Content content;
        try {
            content = JSON.readValue(file.toFile(), Content.class);
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            return Optional.empty();
        } catch (RuntimeException e) {
            throw new IOException("not a route snapshot: " + e.getMessage(), e);
        }
        if (content == null || content.format() != FORMAT || content.routes() == null || content.savedAt() == null
                || content.revocations() == null || content.version() < 0) {
            throw new IOException("not a route snapshot of format " + FORMAT);
        }
        try {
            Map<String, Route> routes = new HashMap<>();
            for (RouteEntry r : content.routes()) {
                if (r == null || r.hostname() == null || r.user() == null || r.workspaceId() == null
                        || r.upstreamSocket() == null) {
                    throw new IOException("a route in the snapshot misses a field");
                }
                routes.put(r.hostname(), new Route(r.workspaceId(), r.user(), r.hostname(), r.upstreamSocket(),
                        r.nodeId()));
            }
            Map<String, Instant> revocations = new HashMap<>();
            content.revocations().forEach((key, time) -> revocations.put(key, Instant.parse(time)));
            return Optional.of(new Saved(new RouteSnapshot(content.version(), routes, revocations),
                    Instant.parse(content.savedAt())));
        } catch (RuntimeException e) {
            throw new IOException("not a route snapshot: " + e.getMessage(), e);
        }
    }
}
