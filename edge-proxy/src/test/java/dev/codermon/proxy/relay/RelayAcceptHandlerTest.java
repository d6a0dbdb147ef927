package dev.codermon.proxy.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.CharsetUtil;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

class RelayAcceptHandlerTest {

    /** These tests fire no successful TLS handshake, so no certificate is ever checked. */
    private static final PeerCheck NO_CHECK_WITHOUT_TLS = TestNodes.check(java.util.List::of);

    private final AtomicInteger lookups = new AtomicInteger();
    private final RelayRoutes routes = host -> {
        lookups.incrementAndGet();
        throw new AssertionError("no lookup may happen before a node is known");
    };

    @Test
    void a_connection_without_handshake_and_preface_is_closed_at_the_deadline() {
        EmbeddedChannel channel = new EmbeddedChannel(new RelayAcceptHandler("n2", routes, null, NO_CHECK_WITHOUT_TLS, 100));
        channel.advanceTimeBy(50, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertTrue(channel.isOpen());
        channel.advanceTimeBy(60, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertFalse(channel.isOpen(), "the deadline did not close the connection");
        channel.finishAndReleaseAll();
    }

    @Test
    void bytes_before_a_verified_node_are_dropped_and_a_failed_handshake_closes() {
        EmbeddedChannel channel = new EmbeddedChannel(new RelayAcceptHandler("n2", routes, null, NO_CHECK_WITHOUT_TLS,
                10_000));
        ByteBuf early = Unpooled.copiedBuffer("CODERMON-RELAY/1 main.alice.codermon.internal http\n", CharsetUtil.US_ASCII);
        channel.writeInbound(early);
        assertEquals(0, early.refCnt(), "bytes before the handshake were not released");
        assertNull(channel.readOutbound());
        channel.pipeline().fireUserEventTriggered(new SslHandshakeCompletionEvent(new SSLHandshakeException("PKIX")));
        assertFalse(channel.isOpen());
        assertEquals(0, lookups.get());
        channel.finishAndReleaseAll();
    }

    @Test
    void relay_addresses_are_host_and_port() {
        assertEquals(new InetSocketAddress("127.0.0.1", 5003), RelayAddresses.parse("127.0.0.1:5003"));
        assertEquals(new InetSocketAddress("::1", 19201), RelayAddresses.parse("[::1]:19201"));
        for (String bad : new String[] {"127.0.0.1", ":5003", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:70000",
                "127.0.0.1:x"}) {
            assertThrows(IllegalArgumentException.class, () -> RelayAddresses.parse(bad), bad);
        }
    }

    @Test
    void tls_failures_are_told_in_a_few_words() {
        Exception pkix = new SSLHandshakeException("PKIX path building failed");
        pkix.initCause(new java.security.cert.CertPathBuilderException("unable to find valid certification path"));
        assertEquals("certificate not issued by this cluster's CA", RelayClientHandler.describe(pkix));
        assertEquals("the relay refused this node's certificate (Received fatal alert: certificate_unknown)",
                RelayClientHandler.describe(new SSLHandshakeException("Received fatal alert: certificate_unknown")));
        // BoringSSL's words for it: a client whose certificate the relay's CA did not issue presents none.
        assertEquals("the relay refused this node's certificate (error:1000045c:SSL routines:OPENSSL_internal:"
                + "TLSV1_ALERT_CERTIFICATE_REQUIRED)", RelayClientHandler.describe(new SSLHandshakeException(
                "error:1000045c:SSL routines:OPENSSL_internal:TLSV1_ALERT_CERTIFICATE_REQUIRED")));
    }
}
