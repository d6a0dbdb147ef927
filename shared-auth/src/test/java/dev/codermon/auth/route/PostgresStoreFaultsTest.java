package dev.codermon.auth.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Shows what an operator sees when PostgreSQL is misconfigured or goes away: a clear message at open
 * (never the password), a failure within seconds while it is down (never a hang, never "no route"), and the
 * same store object working again once it is back.
 */
class PostgresStoreFaultsTest {

    private static TestPostgres server;

    @BeforeAll
    static void startServer() {
        server = TestPostgres.start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @Test
    void a_server_that_does_not_listen_is_named_with_its_address() throws IOException {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        StoreSettings settings = StoreSettings.postgres("jdbc:postgresql://127.0.0.1:" + closed + "/codermon",
                TestPostgres.USER, server.password());
        long started = System.nanoTime();
        RouteStoreException e = assertThrows(RouteStoreException.class, () -> Stores.open(settings));
        assertEquals("cannot reach PostgreSQL at 127.0.0.1:" + closed + "/codermon: connection refused", e.getMessage());
        assertTrue(Duration.ofNanos(System.nanoTime() - started).toSeconds() < 10, "fails fast");
    }

    @Test
    void a_wrong_password_is_refused_without_showing_it() {
        String database = server.newDatabase();
        String wrong = "not-the-password-" + System.nanoTime();
        StoreSettings settings = StoreSettings.postgres(server.url(database), TestPostgres.USER, wrong);
        ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(
                org.slf4j.Logger.ROOT_LOGGER_NAME);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged =
                new ch.qos.logback.core.read.ListAppender<>();
        ch.qos.logback.classic.Logger pool = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(
                "com.zaxxer.hikari");
        ch.qos.logback.classic.Level level = root.getLevel();
        ch.qos.logback.classic.Level poolLevel = pool.getLevel();
        root.setLevel(ch.qos.logback.classic.Level.DEBUG);
        pool.setLevel(ch.qos.logback.classic.Level.DEBUG);
        logged.start();
        root.addAppender(logged);
        RouteStoreException e;
        try {
            e = assertThrows(RouteStoreException.class, () -> Stores.open(settings));
        } finally {
            root.detachAppender(logged);
            root.setLevel(level);
            pool.setLevel(poolLevel);
        }
        assertTrue(logged.list.stream().anyMatch(l -> l.getFormattedMessage().contains("password")),
                "the pool logs its settings (the password masked)");
        for (ch.qos.logback.classic.spi.ILoggingEvent event : logged.list) {
            assertFalse(event.getFormattedMessage().contains(wrong), "logged: " + event.getFormattedMessage());
            for (ch.qos.logback.classic.spi.IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
                assertFalse(String.valueOf(t.getMessage()).contains(wrong), "logged: " + t.getMessage());
            }
        }
        assertEquals("PostgreSQL refused user codermon: password authentication failed", e.getMessage());
        assertFalse(e.getMessage().contains(wrong));
        assertFalse(settings.toString().contains(wrong), settings.toString());
        for (Throwable t = e; t != null; t = t.getCause()) {
            assertFalse(String.valueOf(t.getMessage()).contains(wrong), "cause leaks the password: " + t);
        }
    }

    @Test
    void a_missing_database_is_named() {
        StoreSettings settings = StoreSettings.postgres(server.url("no_such_db"), TestPostgres.USER, server.password());
        RouteStoreException e = assertThrows(RouteStoreException.class, () -> Stores.open(settings));
        assertTrue(e.getMessage().contains("has no such database"), e.getMessage());
    }

    @Test
    void a_schema_newer_than_this_build_is_refused() throws Exception {
        String database = server.newDatabase();
        Stores.open(server.settings(database)).close();
        try (Connection c = server.superuser(database); Statement s = c.createStatement()) {
            s.execute("INSERT INTO flyway_schema_history (installed_rank, version, description, type, script,"
                    + " checksum, installed_by, execution_time, success) VALUES (100, '99', 'future', 'SQL',"
                    + " 'V99__future.sql', 0, 'test', 0, true)");
        }
        RouteStoreException e = assertThrows(RouteStoreException.class, () -> Stores.open(server.settings(database)));
        assertTrue(e.getMessage().startsWith("store schema version 99 is newer than this build (6); upgrade Codermon"),
                e.getMessage());
    }

    @Test
    void a_store_that_stops_mid_use_fails_fast_and_works_again_once_it_is_back() {
        String database = server.newDatabase();
        try (SqlRouteStore store = Stores.open(server.settings(database))) {
            store.insert(RouteStoreContract.record("w1", "alice", "main", WorkspaceState.RUNNING));
            server.stop();
            try {
                for (int i = 0; i < 3; i++) {
                    long started = System.nanoTime();
                    RouteStoreException e = assertThrows(RouteStoreException.class,
                            () -> store.findRoute("main.alice.codermon.internal"));
                    assertTrue(Duration.ofNanos(System.nanoTime() - started).toSeconds() < 6,
                            "a down store answers within seconds");
                    assertTrue(e.getMessage().contains("PostgreSQL at 127.0.0.1:" + server.port()), e.getMessage());
                }
            } finally {
                server.restart();
            }
            Optional<Route> back = eventually(() -> store.findRoute("main.alice.codermon.internal"));
            assertTrue(back.isPresent());
            assertTrue(store.consumeToken("after-restart", RouteStoreContract.T0));
        }
    }

    @Test
    void a_killed_server_fails_the_store_and_it_recovers_after_a_restart() {
        String database = server.newDatabase();
        try (SqlRouteStore store = Stores.open(server.settings(database))) {
            store.insert(RouteStoreContract.record("w1", "alice", "main", WorkspaceState.RUNNING));
            server.kill();
            try {
                assertThrows(RouteStoreException.class, () -> eventuallyFails(store));
            } finally {
                server.restart();
            }
            assertEquals(1, eventually(store::listAll).size());
        }
    }

    private static void eventuallyFails(SqlRouteStore store) {
        for (int i = 0; i < 50; i++) {
            store.listAll();
            TestPostgres.sleep(100);
        }
    }

    /** Retries a read for up to ten seconds while the pool replaces its broken connections. */
    static <T> T eventually(java.util.function.Supplier<T> read) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            try {
                return read.get();
            } catch (RouteStoreException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                TestPostgres.sleep(200);
            }
        }
    }
}
