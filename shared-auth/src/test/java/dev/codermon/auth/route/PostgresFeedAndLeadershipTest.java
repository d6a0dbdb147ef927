package dev.codermon.auth.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Shows PostgreSQL's doorbell (LISTEN/NOTIFY on a connection of its own) and leadership (a session advisory
 * lock) against a real server, including the loss of their connections.
 */
class PostgresFeedAndLeadershipTest {

    private static TestPostgres server;
    private String database;
    private final List<SqlRouteStore> stores = new ArrayList<>();

    @BeforeAll
    static void startServer() {
        server = TestPostgres.start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @BeforeEach
    void newDatabase() {
        database = server.newDatabase();
    }

    @AfterEach
    void closeStores() {
        stores.forEach(SqlRouteStore::close);
    }

    private SqlRouteStore open() {
        SqlRouteStore s = Stores.open(server.settings(database));
        stores.add(s);
        return s;
    }

    @Test
    void the_doorbell_rings_within_a_second_of_a_commit() {
        SqlRouteStore writer = open();
        try (ChangeDoorbell bell = open().openDoorbell()) {
            for (int i = 0; i < 5; i++) {
                long started = System.nanoTime();
                writer.revokeTokens("user" + i, RouteStoreContract.T0);
                assertEquals(ChangeDoorbell.Ring.RANG, bell.await(Duration.ofSeconds(5)));
                long millis = Duration.ofNanos(System.nanoTime() - started).toMillis();
                assertTrue(millis < 1000, "rang after " + millis + " ms");
            }
            assertEquals(ChangeDoorbell.Ring.QUIET, bell.await(Duration.ofMillis(100)));
        }
    }

    @Test
    void the_reader_reads_on_a_connection_of_its_own_opened_again_after_it_broke_and_closed_with_it()
            throws Exception {
        SqlRouteStore store = open();
        RouteFeed reader = store.reader();
        assertTrue(reader != store && reader instanceof AutoCloseable, "a reader of its own, closed by its user");
        try {
            long version = reader.loadAll().version();
            assertEquals(1, readers(), "one connection of its own, outside the pool");
            open().insert(RouteStoreContract.record("w1", "alice", "main", WorkspaceState.RUNNING));
            RouteChanges changes = reader.changesSince(version);
            assertEquals(1, changes.routes().size());
            assertEquals(1, readers(), "the same connection for every read");
            assertEquals(1, terminateWhere("application_name = '" + PostgresDatabase.READER_NAME + "'"));
            long seen = changes.version();
            assertThrows(RouteStoreException.class, () -> reader.changesSince(seen), "the read on the broken one");
            open().delete("w1");
            assertEquals(java.util.Optional.empty(), reader.changesSince(seen).routes().values().iterator().next(),
                    "read again on a new connection");
            assertEquals(1, readers());
        } finally {
            ((AutoCloseable) reader).close();
        }
        assertEquals(0, readers(), "closed with the reader");
    }

    private int readers() throws Exception {
        try (Connection c = server.superuser(database); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE datname = '" + database
                        + "' AND application_name = '" + PostgresDatabase.READER_NAME + "'")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    void closing_the_doorbell_closes_its_listening_connection() throws Exception {
        ChangeDoorbell bell = open().openDoorbell();
        assertEquals(1, listening(), "one listening backend");
        bell.close();
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (listening() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(0, listening(), "the listening backend is gone after close");
    }

    private int listening() throws Exception {
        try (Connection c = server.superuser(database); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE datname = '" + database
                        + "' AND query LIKE 'LISTEN%'")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    void a_terminated_listener_throws_then_reconnects_and_rings_again() throws Exception {
        SqlRouteStore writer = open();
        try (ChangeDoorbell bell = open().openDoorbell()) {
            assertEquals(1, terminate("LISTEN%"), "one listening backend");
            assertThrows(RouteStoreException.class, () -> bell.await(Duration.ofSeconds(2)));
            assertEquals(ChangeDoorbell.Ring.RECONNECTED, bell.await(Duration.ofSeconds(2)));
            writer.insert(RouteStoreContract.record("w1", "alice", "main", WorkspaceState.RUNNING));
            assertEquals(ChangeDoorbell.Ring.RANG, bell.await(Duration.ofSeconds(2)));
        }
    }

    @Test
    void a_listener_whose_server_side_stops_answering_throws_within_seconds() throws Exception {
        try (ChangeDoorbell bell = open().openDoorbell()) {
            int pid;
            try (Connection c = server.superuser(database); Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT pid FROM pg_stat_activity WHERE datname = '" + database
                            + "' AND query LIKE 'LISTEN%'")) {
                assertTrue(rs.next(), "the listening backend");
                pid = rs.getInt(1);
            }
            // A frozen backend is what a cut network looks like from here: no error, no answer.
            signal("STOP", pid);
            try {
                long started = System.nanoTime();
                assertThrows(RouteStoreException.class, () -> {
                    for (int i = 0; i < 30; i++) {
                        bell.await(Duration.ofSeconds(1));
                    }
                });
                long seconds = Duration.ofNanos(System.nanoTime() - started).toSeconds();
                assertTrue(seconds <= 10, "noticed after " + seconds + " s");
            } finally {
                signal("CONT", pid);
            }
            assertEquals(ChangeDoorbell.Ring.RECONNECTED, bell.await(Duration.ofSeconds(2)));
        }
    }

    private static void signal(String signal, int pid) throws Exception {
        Process p = new ProcessBuilder("kill", "-" + signal, String.valueOf(pid)).inheritIO().start();
        assertEquals(0, p.waitFor(), "kill -" + signal + " " + pid);
    }

    @Test
    void a_doorbell_opened_while_the_server_is_down_says_reconnected_once_it_is_back() {
        SqlRouteStore store = open();
        server.stop();
        ChangeDoorbell bell;
        try {
            bell = store.openDoorbell();
            assertThrows(RouteStoreException.class, () -> bell.await(Duration.ofMillis(100)));
        } finally {
            server.restart();
        }
        try (bell) {
            assertEquals(ChangeDoorbell.Ring.RECONNECTED, bell.await(Duration.ofSeconds(2)));
        }
    }

    @Test
    void only_one_instance_leads_and_the_other_takes_over_when_it_closes() {
        SqlRouteStore first = open();
        SqlRouteStore second = open();
        assertTrue(first.leadership().leads("monitor"));
        assertFalse(second.leadership().leads("monitor"));
        assertTrue(first.leadership().leads("monitor"), "still leads");
        assertTrue(second.leadership().leads("reaper"), "another job is another lock");
        assertFalse(first.leadership().leads("reaper"));
        first.leadership().close();
        assertTrue(second.leadership().leads("monitor"));
    }

    @Test
    void the_other_takes_over_when_the_holders_session_is_terminated() throws Exception {
        SqlRouteStore first = open();
        SqlRouteStore second = open();
        assertTrue(first.leadership().leads("monitor"));
        assertFalse(second.leadership().leads("monitor"));
        assertEquals(1, terminateWhere("pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
                + " AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))"),
                "the holder's backend");
        assertTrue(until(() -> second.leadership().leads("monitor")), "the other takes over");
        assertFalse(first.leadership().leads("monitor"), "the old holder sees its loss and does not lead");
        assertFalse(first.leadership().leads("monitor"), "and competes again without winning");
    }

    @Test
    void nobody_leads_while_the_store_is_down() {
        SqlRouteStore first = open();
        assertTrue(first.leadership().leads("monitor"));
        server.stop();
        try {
            assertFalse(first.leadership().leads("monitor"));
        } finally {
            server.restart();
        }
        assertTrue(first.leadership().leads("monitor"), "leads again once it is back");
    }

    private static boolean until(java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            TestPostgres.sleep(100);
        }
        return condition.getAsBoolean();
    }

    /** Terminates this database's backends whose last query matches, and returns how many. */
    private int terminate(String queryLike) throws Exception {
        return terminateWhere("query LIKE '" + queryLike + "'");
    }

    private int terminateWhere(String condition) throws Exception {
        try (Connection c = server.superuser(database); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '"
                        + database + "' AND " + condition + " AND pid <> pg_backend_pid()")) {
            int n = 0;
            while (rs.next()) {
                n++;
            }
            return n;
        }
    }
}
