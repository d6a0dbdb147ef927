package dev.codermon.proxy.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.codermon.auth.route.NodeDirectory;
import dev.codermon.auth.route.NodeRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A node's relay certificate issued again is taken without a restart, and only once the node's agent has
 * published it (the other nodes take only the published one); files that do not pass leave the one before
 * in use; the wait for publication reads the nodes table for a bounded time only; expiry is warned about.
 */
class RelayTlsFilesTest {

    @TempDir
    Path dir;
    private ClusterCa ca;
    private Path live;
    /** The nodes table: node id to the directory whose certificate its agent published. */
    private final Map<String, Path> published = new ConcurrentHashMap<>();
    private final AtomicInteger reads = new AtomicInteger();
    private NodeAddressBook book;
    private Instant now = Instant.now();
    private final Clock clock = new Clock() {
        @Override
        public java.time.ZoneId getZone() {
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
    };
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();

    @BeforeEach
    void start() throws Exception {
        ca = ClusterCa.loadOrCreate(dir.resolve("ca"), Clock.systemUTC());
        live = dir.resolve("n2");
        ca.issueNode("n2", live);
        publish();
        NodeDirectory table = TestNodes.table(published);
        book = new NodeAddressBook(() -> {
            reads.incrementAndGet();
            return table.nodes();
        }, System::nanoTime);
        book.refresh();
        logged.start();
        ((Logger) LoggerFactory.getLogger(RelayTlsFiles.class)).addAppender(logged);
    }

    @AfterEach
    void stop() {
        ((Logger) LoggerFactory.getLogger(RelayTlsFiles.class)).detachAppender(logged);
    }

    @Test
    void a_certificate_issued_again_is_presented_once_its_node_published_it() throws Exception {
        RelayTlsFiles files = RelayTlsFiles.load(live, "n2", book, clock);
        String before = fingerprint(files.get());

        ca.issueNode("n2", live);
        files.check();
        files.check();
        assertEquals(before, fingerprint(files.get()), "presented before the agent published it: the others refuse it");

        publish();
        files.check();
        assertEquals(fingerprint(live), fingerprint(files.get()));
        assertNotEquals(before, fingerprint(files.get()));
    }

    @Test
    void files_that_do_not_pass_leave_the_certificate_before_in_use_until_they_change_again() throws Exception {
        RelayTlsFiles files = RelayTlsFiles.load(live, "n2", book, clock);
        RelayTls before = files.get();

        // A key replaced without its certificate (half copied).
        ca.issueNode("n2", dir.resolve("next"));
        Files.copy(dir.resolve("next/node.key"), live.resolve("node.key"), StandardCopyOption.REPLACE_EXISTING);
        published.put("n2", dir.resolve("next")); // even published, a pair that does not fit is not taken
        files.check();
        assertSame(before, files.get());
        assertTrue(warnings().stream().anyMatch(w -> w.contains("cannot be used") && w.contains("node.key is not the key of")),
                warnings().toString());

        // A directory that lost a file.
        Files.delete(live.resolve("node.crt"));
        files.check();
        assertSame(before, files.get());

        // Then the certificate that fits arrives.
        Files.copy(dir.resolve("next/node.crt"), live.resolve("node.crt"));
        files.check();
        assertEquals(fingerprint(dir.resolve("next")), fingerprint(files.get()));
    }

    @Test
    void the_wait_for_publication_reads_the_table_for_a_bounded_time_then_warns() throws Exception {
        RelayTlsFiles files = RelayTlsFiles.load(live, "n2", book, clock);
        String before = fingerprint(files.get());
        ca.issueNode("n2", live);

        int start = reads.get();
        files.check();
        assertEquals(start + 1, reads.get(), "a certificate waiting to be published reads the table");
        now = now.plus(RelayTlsFiles.PUBLISH_WAIT).plusSeconds(1);
        files.check();
        files.check();
        assertEquals(start + 1, reads.get(), "after the wait it leaves the reads to the table's own period");
        assertEquals(before, fingerprint(files.get()));
        assertEquals(1, warnings().stream().filter(w -> w.contains("has not published the relay certificate")).count(),
                warnings().toString());

        publish();
        book.refresh(); // the table's own period
        files.check();
        assertEquals(fingerprint(live), fingerprint(files.get()));
    }

    @Test
    void a_certificate_near_its_end_is_warned_about_once_a_day() throws Exception {
        RelayTlsFiles files = RelayTlsFiles.load(live, "n2", book, clock);
        assertTrue(warnings().isEmpty(), warnings().toString());
        Instant notAfter = files.get().certificate().getNotAfter().toInstant();

        now = notAfter.minus(Duration.ofDays(10));
        files.check();
        files.check();
        assertEquals(List.of("expires"), kinds());
        now = now.plus(Duration.ofDays(1));
        files.check();
        assertEquals(List.of("expires", "expires"), kinds());
        now = notAfter.plusSeconds(1);
        files.check();
        assertEquals(Level.ERROR, logged.list.get(logged.list.size() - 1).getLevel());
        assertTrue(logged.list.get(logged.list.size() - 1).getFormattedMessage().contains("expired at " + notAfter));
    }

    private List<String> kinds() {
        return warnings().stream().filter(w -> w.contains("expires at")).map(w -> "expires").toList();
    }

    private List<String> warnings() {
        return logged.list.stream().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage).toList();
    }

    /** As the node agent does at its heartbeat: publishes what the live directory holds now (a copy). */
    private void publish() throws Exception {
        Path copy = Files.createTempDirectory(dir, "published");
        Files.copy(live.resolve("node.crt"), copy.resolve("node.crt"));
        published.put("n2", copy);
    }

    private static String fingerprint(RelayTls tls) {
        return tls.fingerprint();
    }

    private static String fingerprint(Path tlsDir) {
        return NodeRecord.fingerprint(PemFiles.readCertificate(tlsDir.resolve("node.crt")));
    }
}
