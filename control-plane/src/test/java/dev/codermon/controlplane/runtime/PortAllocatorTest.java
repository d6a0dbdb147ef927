package dev.codermon.controlplane.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checks that a released host port never reaches another workspace while a proxy may still route to it. */
class PortAllocatorTest {

    private static final Duration QUARANTINE = Duration.ofMinutes(10);

    @TempDir
    Path dir;
    private final MovableClock clock = new MovableClock();
    private final List<PortAllocator> open = new ArrayList<>();

    @AfterEach
    void close() {
        open.forEach(PortAllocator::close);
    }

    @Test
    void a_workspace_keeps_its_port_and_others_get_different_ones() throws Exception {
        PortAllocator ports = allocator(new PortRange(20000, 20009));
        int a = ports.portFor("ws-a");
        assertEquals(20000, a);
        assertEquals(a, ports.portFor("ws-a"), "asking again returns the same lease");
        int b = ports.portFor("ws-b");
        assertNotEquals(a, b);
        assertEquals(Optional.of(b), ports.heldPort("ws-b"));
    }

    @Test
    void a_released_port_goes_to_nobody_else_until_the_quarantine_is_over() throws Exception {
        PortAllocator ports = allocator(new PortRange(20000, 20001));
        int a = ports.portFor("ws-a");
        ports.release("ws-a");
        assertEquals(Optional.empty(), ports.heldPort("ws-a"));
        int b = ports.portFor("ws-b");
        assertNotEquals(a, b, "the freshly released port must not be handed out");

        RuntimeStartException full = assertThrows(RuntimeStartException.class, () -> ports.portFor("ws-c"));
        assertTrue(full.getMessage().contains("1 held by workspaces, 1 in quarantine"), full.getMessage());

        clock.advance(QUARANTINE.minusSeconds(1));
        assertThrows(RuntimeStartException.class, () -> ports.portFor("ws-c"));
        clock.advance(Duration.ofSeconds(2));
        assertEquals(a, ports.portFor("ws-c"), "after the quarantine the port may be reused");
    }

    @Test
    void the_quarantine_survives_a_control_plane_restart() throws Exception {
        PortRange range = new PortRange(20000, 20001);
        PortAllocator first = allocator(range);
        int a = first.portFor("ws-a");
        first.release("ws-a");
        first.close();

        PortAllocator restarted = allocator(range);
        assertNotEquals(a, restarted.portFor("ws-b"));
        assertThrows(RuntimeStartException.class, () -> restarted.portFor("ws-c"));
    }

    @Test
    void replacing_a_port_quarantines_the_old_one() throws Exception {
        PortAllocator ports = allocator(new PortRange(20000, 20002));
        int old = ports.portFor("ws-a");
        int moved = ports.replace("ws-a");
        assertNotEquals(old, moved);
        assertEquals(Optional.of(moved), ports.heldPort("ws-a"));
        assertNotEquals(old, ports.portFor("ws-b"), "the port the workspace moved away from is quarantined");
    }

    @Test
    void a_lease_outside_a_narrowed_range_is_moved_into_it() throws Exception {
        PortAllocator wide = allocator(new PortRange(20000, 20009));
        wide.portFor("ws-x");
        int a = wide.portFor("ws-a");
        assertEquals(20001, a);
        wide.close();
        PortAllocator narrow = allocator(new PortRange(20005, 20006));
        assertEquals(20005, narrow.portFor("ws-a"));
    }

    @Test
    void two_control_planes_on_one_lease_file_never_share_a_port() throws Exception {
        PortRange range = new PortRange(20000, 20009);
        PortAllocator one = allocator(range);
        PortAllocator two = allocator(range);
        assertNotEquals(one.portFor("ws-a"), two.portFor("ws-b"));
    }

    @Test
    void a_port_another_program_listens_on_is_skipped() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            PortAllocator ports = PortAllocator.open(dir.resolve("real.db"), new PortRange(port, port), QUARANTINE,
                    clock);
            open.add(ports);
            assertThrows(RuntimeStartException.class, () -> ports.portFor("ws-a"));
            taken.close();
            assertEquals(port, ports.portFor("ws-a"));
        }
    }

    private PortAllocator allocator(PortRange range) {
        PortAllocator p = PortAllocator.open(dir.resolve("ports.db"), range, QUARANTINE, clock, port -> true);
        open.add(p);
        return p;
    }

    /** A clock the test moves by hand. */
    private static final class MovableClock extends Clock {
        private Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
