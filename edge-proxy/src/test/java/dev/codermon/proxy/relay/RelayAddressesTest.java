package dev.codermon.proxy.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.codermon.auth.route.RouteStoreException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RelayAddressesTest {

    private final Map<String, String> table = new ConcurrentHashMap<>();
    private final AtomicBoolean storeDown = new AtomicBoolean();
    private final AtomicLong nanos = new AtomicLong();
    private final RelayAddresses addresses = new RelayAddresses(node -> {
        if (storeDown.get()) {
            throw new RouteStoreException("store down", null);
        }
        return Optional.ofNullable(table.get(node));
    }, Runnable::run, nanos::get);

    private Optional<InetSocketAddress> lookup(String node) throws Exception {
        return addresses.lookup(node).get(5, TimeUnit.SECONDS);
    }

    @Test
    void aKnownAddressOutlivesAStoreOutage() throws Exception {
        table.put("n3", "127.0.0.1:5003");
        assertEquals(5003, lookup("n3").orElseThrow().getPort());

        storeDown.set(true);
        nanos.addAndGet(RelayAddresses.KEEP.multipliedBy(10).toNanos());
        assertEquals(5003, lookup("n3").orElseThrow().getPort(), "a failed re-read keeps the address");
        assertEquals(5003, lookup("n3").orElseThrow().getPort());

        storeDown.set(false);
        table.put("n3", "127.0.0.1:6003");
        nanos.addAndGet(RelayAddresses.KEEP.multipliedBy(2).toNanos());
        lookup("n3"); // triggers the re-read, which now succeeds
        assertEquals(6003, lookup("n3").orElseThrow().getPort(), "a moved relay is found after the re-read");
    }

    @Test
    void anUnknownNodeIsAskedAgainAtOnce() throws Exception {
        assertEquals(Optional.empty(), lookup("n9"));
        table.put("n9", "127.0.0.1:5009");
        assertEquals(5009, lookup("n9").orElseThrow().getPort());
    }
}
