package dev.codermon.proxy.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class RelayAddressesTest {

    /** The store's nodes table as the relay sees it: an address, none, or a read that fails. */
    private final AtomicReference<String> stored = new AtomicReference<>("10.0.0.3:5003");
    private final AtomicInteger reads = new AtomicInteger();
    private volatile boolean storeDown;
    private final AtomicLong nanos = new AtomicLong();
    private final Function<String, Optional<String>> table = node -> {
        reads.incrementAndGet();
        if (storeDown) {
            throw new IllegalStateException("Connection refused");
        }
        return Optional.ofNullable(stored.get());
    };
    private final RelayAddresses addresses = new RelayAddresses(table, Runnable::run, nanos::get);

    private Optional<InetSocketAddress> lookup() throws Exception {
        return addresses.lookup("n3").get();
    }

    private void later() {
        nanos.addAndGet(RelayAddresses.KEEP.toNanos() + 1);
    }

    @Test
    void a_known_address_is_kept_while_the_store_cannot_be_read() throws Exception {
        assertEquals(Optional.of(new InetSocketAddress("10.0.0.3", 5003)), lookup());
        storeDown = true;
        later();
        assertEquals(Optional.of(new InetSocketAddress("10.0.0.3", 5003)), lookup(), "served while read again");
        assertEquals(Optional.of(new InetSocketAddress("10.0.0.3", 5003)), lookup(), "kept after the failed read");
        assertEquals(3, reads.get(), "read once, again after KEEP, and again at the next lookup after a failed read");
        storeDown = false;
        stored.set("10.0.0.4:5003");
        later();
        lookup();
        assertEquals(Optional.of(new InetSocketAddress("10.0.0.4", 5003)), lookup(), "a new address, once readable");
    }

    @Test
    void an_address_is_read_once_per_keep() throws Exception {
        lookup();
        lookup();
        assertEquals(1, reads.get());
        later();
        lookup();
        assertEquals(2, reads.get());
    }

    @Test
    void a_node_the_store_no_longer_names_is_forgotten() throws Exception {
        lookup();
        stored.set(null);
        later();
        lookup();
        assertEquals(Optional.empty(), lookup(), "a lost node has no relay address");
    }

    @Test
    void a_failed_first_read_is_not_kept() throws Exception {
        storeDown = true;
        assertThrows(ExecutionException.class, this::lookup);
        storeDown = false;
        assertEquals(Optional.of(new InetSocketAddress("10.0.0.3", 5003)), lookup(), "read again at once");
    }
}
