package dev.codermon.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.auth.route.ProxyStore;
import dev.codermon.auth.route.RouteFeed;
import dev.codermon.auth.route.RouteSnapshot;
import dev.codermon.auth.route.RouteStoreException;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeferredStoreTest {

    /** Both roles of the store, as the real store class has them. */
    private interface Store extends ProxyStore, RouteFeed {
    }

    private final List<String> calls = new ArrayList<>();
    private final Store store = (Store) Proxy.newProxyInstance(Store.class.getClassLoader(), new Class<?>[] {Store.class},
            (self, method, args) -> {
                calls.add(method.getName());
                return switch (method.getName()) {
                    case "loadAll" -> new RouteSnapshot(7, Map.of(), Map.of());
                    case "reader" -> DeferredStoreTest.this.reader;
                    case "toString" -> "the store";
                    default -> null;
                };
            });
    /** The store's own reader: answers version 8, and says when it was closed. */
    private final AtomicBoolean readerClosed = new AtomicBoolean();
    private final RouteFeed reader = new ReaderOfItsOwn();

    private final class ReaderOfItsOwn implements RouteFeed, AutoCloseable {
        @Override
        public RouteSnapshot loadAll() {
            return new RouteSnapshot(8, Map.of(), Map.of());
        }

        @Override
        public dev.codermon.auth.route.RouteChanges changesSince(long version) {
            return new dev.codermon.auth.route.RouteChanges(8, Map.of(), null, true);
        }

        @Override
        public dev.codermon.auth.route.ChangeDoorbell openDoorbell() {
            throw new AssertionError("the reader's doorbell is the store's");
        }

        @Override
        public void close() {
            readerClosed.set(true);
        }
    }

    private final AtomicBoolean down = new AtomicBoolean(true);
    private final AtomicInteger opens = new AtomicInteger();

    private Store open() {
        opens.incrementAndGet();
        if (down.get()) {
            throw new RouteStoreException("connection refused (test)", null);
        }
        return store;
    }

    @TempDir
    Path dir;

    private Path snapshot() throws IOException {
        return Files.writeString(dir.resolve("routes-snapshot.json"), "{}");
    }

    @Test
    void a_store_that_opens_at_start_is_used_at_once() {
        down.set(false);
        DeferredStore<Store> deferred = DeferredStore.open(this::open, dir.resolve("none.json"), Duration.ofHours(1));
        assertEquals(7, deferred.loadAll().version());
        assertEquals(1, opens.get());
    }

    @Test
    void a_store_that_does_not_open_at_start_without_a_snapshot_fails_the_start() {
        RouteStoreException e = assertThrows(RouteStoreException.class,
                () -> DeferredStore.open(this::open, dir.resolve("none.json"), Duration.ofHours(1)));
        assertEquals("connection refused (test)", e.getMessage());
    }

    @Test
    void calls_fail_fast_until_the_store_opens_then_go_to_it() throws Exception {
        DeferredStore<Store> deferred = DeferredStore.open(this::open, snapshot(), Duration.ofMillis(200));
        assertEquals(1, opens.get());
        RouteStoreException early = assertThrows(RouteStoreException.class, deferred::loadAll);
        assertTrue(early.getMessage().contains("connection refused (test)"), early.getMessage());
        assertThrows(RouteStoreException.class, () -> deferred.revocations());
        assertEquals(1, opens.get(), "tried again within the retry interval");

        Thread.sleep(250);
        assertThrows(RouteStoreException.class, deferred::loadAll);
        assertEquals(2, opens.get());
        assertThrows(RouteStoreException.class, deferred::loadAll);
        assertEquals(2, opens.get(), "tried again within the retry interval");

        down.set(false);
        Thread.sleep(250);
        assertEquals(7, deferred.loadAll().version());
        deferred.withdrawPresence("p-1");
        assertEquals(3, opens.get(), "opened once, then kept");
        assertEquals(List.of("loadAll", "withdrawPresence"), calls);
        assertEquals("the store", deferred.toString());

        deferred.close();
        assertEquals("close", calls.get(calls.size() - 1));
        assertThrows(RouteStoreException.class, deferred::loadAll);
    }

    @Test
    void closed_before_it_opened_it_never_opens() throws Exception {
        DeferredStore<Store> deferred = DeferredStore.open(this::open, snapshot(), Duration.ofMillis(1));
        deferred.close();
        down.set(false);
        Thread.sleep(5);
        assertThrows(RouteStoreException.class, deferred::openDoorbell);
        assertEquals(1, opens.get());
    }

    @Test
    void its_reader_fails_until_the_store_opens_then_reads_through_the_stores_own_reader() throws Exception {
        DeferredStore<Store> deferred = DeferredStore.open(this::open, snapshot(), Duration.ofMillis(100));
        RouteFeed deferredReader = deferred.reader();
        assertThrows(RouteStoreException.class, deferredReader::loadAll);
        down.set(false);
        Thread.sleep(150);
        assertEquals(8, deferredReader.loadAll().version(), "the store's own reader, not the store");
        assertEquals(8, deferredReader.changesSince(7).version());
        assertEquals(List.of("reader"), calls, "taken once; no read went through the store itself");
        ((AutoCloseable) deferredReader).close();
        assertTrue(readerClosed.get(), "closed with the deferred reader");
    }
}
