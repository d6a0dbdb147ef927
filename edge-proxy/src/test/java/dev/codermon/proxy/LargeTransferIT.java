package dev.codermon.proxy;

import static dev.codermon.proxy.ProxyFixture.ALICE_HOST;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.proxy.testing.PatternBody;
import dev.codermon.proxy.testing.RawClient;
import dev.codermon.proxy.testing.RawClient.Response;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Streams 1 GiB up and 1 GiB down through the proxy (which runs in this JVM) and checks that Netty's
 * buffer memory stays flat: a proxy that buffered bodies would need a gigabyte.
 */
class LargeTransferIT {

    private static final long GIB = 1L << 30;
    private static final long CEILING = 64L << 20;
    @RegisterExtension
    static final ProxyFixture fixture = ProxyFixture.perClass();
    private static String auth;

    @BeforeAll
    static void start() throws Exception {
        auth = RawClient.basic("alice", fixture.token("alice"));
    }

    /** Samples the growth of Netty's used buffer memory over a baseline, every 50 ms. */
    private static final class MemoryWatch implements AutoCloseable {

        private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        private final long baseline = used();
        private final AtomicLong peak = new AtomicLong();

        MemoryWatch() {
            sampler.scheduleAtFixedRate(() -> peak.accumulateAndGet(used() - baseline, Math::max),
                    0, 50, TimeUnit.MILLISECONDS);
        }

        private static long used() {
            long total = 0;
            for (Object allocator : new Object[] {ByteBufAllocator.DEFAULT, PooledByteBufAllocator.DEFAULT}) {
                if (allocator instanceof ByteBufAllocatorMetricProvider provider) {
                    ByteBufAllocatorMetric metric = provider.metric();
                    total += metric.usedDirectMemory() + metric.usedHeapMemory();
                }
            }
            return total;
        }

        long peak() {
            return peak.get();
        }

        @Override
        public void close() {
            sampler.shutdownNow();
        }
    }

    @Test
    void one_gib_upload_streams_with_flat_memory() {
        assertTimeoutPreemptively(Duration.ofMinutes(3), () -> {
            try (MemoryWatch memory = new MemoryWatch(); RawClient client = new RawClient(fixture.port())) {
                client.send("PUT http://" + ALICE_HOST + "/sink HTTP/1.1\r\nHost: " + ALICE_HOST
                        + "\r\nProxy-Authorization: " + auth + "\r\nContent-Length: " + GIB + "\r\n\r\n");
                OutputStream out = client.out();
                for (long sent = 0; sent < GIB; sent += PatternBody.BLOCK.length) {
                    out.write(PatternBody.BLOCK);
                }
                out.flush();
                Response response = client.readResponse();
                assertEquals(200, response.status());
                assertEquals("bytes=" + GIB + " crc=" + PatternBody.crc(GIB), response.text());
                assertTrue(memory.peak() < CEILING, "buffer memory grew by " + memory.peak() + " bytes");
            }
        });
    }

    @Test
    void one_gib_download_streams_with_flat_memory() {
        assertTimeoutPreemptively(Duration.ofMinutes(3), () -> {
            try (MemoryWatch memory = new MemoryWatch(); RawClient client = new RawClient(fixture.port())) {
                Response head = client.send("GET http://" + ALICE_HOST + "/source/" + GIB + " HTTP/1.1\r\nHost: "
                        + ALICE_HOST + "\r\nProxy-Authorization: " + auth + "\r\n\r\n").readResponse(true);
                assertEquals(200, head.status());
                assertEquals(String.valueOf(GIB), head.header("content-length"));
                InputStream in = client.in();
                CRC32 crc = new CRC32();
                byte[] buffer = new byte[64 * 1024];
                long received = 0;
                while (received < GIB) {
                    int n = in.read(buffer, 0, (int) Math.min(buffer.length, GIB - received));
                    if (n < 0) {
                        break;
                    }
                    crc.update(buffer, 0, n);
                    received += n;
                }
                assertEquals(GIB, received);
                assertEquals(PatternBody.crc(GIB), crc.getValue());
                assertTrue(memory.peak() < CEILING, "buffer memory grew by " + memory.peak() + " bytes");
            }
        });
    }
}
