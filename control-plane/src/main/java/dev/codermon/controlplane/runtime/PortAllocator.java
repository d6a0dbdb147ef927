package dev.codermon.controlplane.runtime;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;

/**
 * Leases host ports to workspaces and quarantines released ones, so that no proxy cache can send one
 * user to a port that now serves another user's workspace.
 *
 * <p>A workspace keeps its port across stop and start (its own old route can only lead back to it). A
 * port is released when its workspace is removed or has to move to another port; it is then not leased
 * to anyone for the quarantine period, which must outlast the longest time a proxy may keep a cached
 * route. Leases live in their own SQLite file, so a control-plane restart keeps the quarantine, and an
 * immediate transaction makes two control planes on the same file take turns.
 */
public final class PortAllocator implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PortAllocator.class);

    private final Connection connection;
    private final PortRange range;
    private final Duration quarantine;
    private final Clock clock;
    private final IntPredicate bindable;

    PortAllocator(Connection connection, PortRange range, Duration quarantine, Clock clock, IntPredicate bindable) {
        this.connection = connection;
        this.range = range;
        this.quarantine = quarantine;
        this.clock = clock;
        this.bindable = bindable;
    }

    /**
     * Opens (creating if needed) the lease file.
     *
     * @throws IllegalStateException if the file cannot be opened
     */
    public static PortAllocator open(Path file, PortRange range, Duration quarantine, Clock clock) {
        return open(file, range, quarantine, clock, PortAllocator::isBindableOnLoopback);
    }

    static PortAllocator open(Path file, PortRange range, Duration quarantine, Clock clock, IntPredicate bindable) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            SQLiteConfig config = new SQLiteConfig();
            config.setJournalMode(SQLiteConfig.JournalMode.WAL);
            config.setBusyTimeout(10_000);
            config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
            Connection c = config.createConnection("jdbc:sqlite:" + file.toAbsolutePath());
            try (Statement s = c.createStatement()) {
                s.executeUpdate("""
                        CREATE TABLE IF NOT EXISTS port_leases (
                          port         INTEGER PRIMARY KEY,
                          workspace_id TEXT NOT NULL,
                          leased_at    INTEGER NOT NULL,
                          released_at  INTEGER
                        )""");
                s.executeUpdate("CREATE INDEX IF NOT EXISTS port_leases_workspace ON port_leases (workspace_id)");
            }
            return new PortAllocator(c, range, quarantine, clock, bindable);
        } catch (IOException | SQLException e) {
            throw new IllegalStateException("cannot open the port lease file " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Returns the workspace's port: the one it holds, or else the lowest port in the range that nobody
     * holds, that was not released within the quarantine period and that nothing else listens on.
     *
     * @throws RuntimeStartException if every port in the range is taken or quarantined
     */
    synchronized int portFor(String workspaceId) throws RuntimeStartException {
        return inTransaction(() -> {
            Optional<Integer> held = heldBy(workspaceId);
            if (held.isPresent() && range.contains(held.get())) {
                return held.get();
            }
            if (held.isPresent()) {
                releaseLease(workspaceId);
            }
            return leaseNew(workspaceId);
        });
    }

    /**
     * Quarantines the workspace's current port and leases it another one; used when its port turned
     * out to be taken by something else.
     *
     * @throws RuntimeStartException if every other port in the range is taken or quarantined
     */
    synchronized int replace(String workspaceId) throws RuntimeStartException {
        return inTransaction(() -> {
            releaseLease(workspaceId);
            return leaseNew(workspaceId);
        });
    }

    /** Releases the workspace's port into quarantine; does nothing if it holds none. */
    synchronized void release(String workspaceId) {
        try {
            inTransaction(() -> {
                releaseLease(workspaceId);
                return 0;
            });
        } catch (RuntimeStartException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** Returns the port the workspace holds, if any. */
    synchronized Optional<Integer> heldPort(String workspaceId) {
        try {
            return heldBy(workspaceId);
        } catch (SQLException e) {
            throw new IllegalStateException("port lease file read failed: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            connection.close();
        } catch (SQLException e) {
            log.warn("closing the port lease file failed: {}", e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "ports " + range + ", quarantine " + quarantine.toSeconds() + "s";
    }

    private Optional<Integer> heldBy(String workspaceId) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT port FROM port_leases WHERE workspace_id = ? AND released_at IS NULL ORDER BY leased_at")) {
            ps.setString(1, workspaceId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getInt(1)) : Optional.empty();
            }
        }
    }

    private void releaseLease(String workspaceId) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(
                "UPDATE port_leases SET released_at = ? WHERE workspace_id = ? AND released_at IS NULL")) {
            ps.setLong(1, clock.millis());
            ps.setString(2, workspaceId);
            if (ps.executeUpdate() > 0) {
                log.debug("workspace {}: port released into quarantine", workspaceId);
            }
        }
    }

    private int leaseNew(String workspaceId) throws SQLException, RuntimeStartException {
        long now = clock.millis();
        Set<Integer> blocked = new HashSet<>();
        int quarantined = 0;
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT port, released_at FROM port_leases WHERE released_at IS NULL OR released_at > ?")) {
            ps.setLong(1, now - quarantine.toMillis());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    blocked.add(rs.getInt(1));
                    rs.getLong(2);
                    if (!rs.wasNull()) {
                        quarantined++;
                    }
                }
            }
        }
        for (int port = range.first(); port <= range.last(); port++) {
            if (blocked.contains(port) || !bindable.test(port)) {
                continue;
            }
            try (PreparedStatement ps = connection.prepareStatement(
                    "INSERT OR REPLACE INTO port_leases (port, workspace_id, leased_at, released_at)"
                            + " VALUES (?, ?, ?, NULL)")) {
                ps.setInt(1, port);
                ps.setString(2, workspaceId);
                ps.setLong(3, now);
                ps.executeUpdate();
            }
            log.debug("workspace {}: leased port {}", workspaceId, port);
            return port;
        }
        throw new RuntimeStartException("no host port free in " + range + ": " + (blocked.size() - quarantined)
                + " held by workspaces, " + quarantined + " in quarantine, the rest in use by other programs");
    }

    /** A unit of work on the lease table. */
    private interface Work {
        int run() throws SQLException, RuntimeStartException;
    }

    private int inTransaction(Work work) throws RuntimeStartException {
        try {
            connection.setAutoCommit(false);
            try {
                int result = work.run();
                connection.commit();
                return result;
            } catch (SQLException | RuntimeStartException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("port lease file write failed: " + e.getMessage(), e);
        }
    }

    /** Returns whether nothing listens on {@code 127.0.0.1:port} right now. */
    static boolean isBindableOnLoopback(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), port), 1);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
