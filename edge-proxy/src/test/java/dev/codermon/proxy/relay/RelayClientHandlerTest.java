package dev.codermon.proxy.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.proxy.upstream.SocketKind;
import dev.codermon.proxy.upstream.UpstreamUnreachable;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.CharsetUtil;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The proxy's side of the relay's answer, without TLS (the handshake part runs in RelayIT). */
class RelayClientHandlerTest {

    /** These tests fire no successful TLS handshake, so no certificate is ever checked. */
    private static final PeerCheck NO_CHECK_WITHOUT_TLS = TestNodes.check(java.util.List::of);

    private static final RelayPreface PREFACE = new RelayPreface("main.alice.codermon.internal", SocketKind.SSH);

    private static ByteBuf ascii(String text) {
        return Unpooled.copiedBuffer(text, CharsetUtil.US_ASCII);
    }

    private static String reason(ChannelPromise ready) {
        assertTrue(ready.isDone() && !ready.isSuccess(), "the promise did not fail");
        return assertInstanceOf(UpstreamUnreachable.class, ready.cause()).refusal().reason();
    }

    @Test
    void ok_completes_the_promise_and_bytes_after_it_wait_for_the_first_read() {
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.config().setAutoRead(false);
        ChannelPromise ready = channel.newPromise();
        channel.pipeline().addLast(new RelayClientHandler("n2", PREFACE, ready, 10_000, NO_CHECK_WITHOUT_TLS));
        channel.writeInbound(ascii("O"));
        assertFalse(ready.isDone());
        channel.writeInbound(ascii("K\nSSH-2.0-server\r\n"));
        assertTrue(ready.isSuccess());
        assertNull(channel.readInbound(), "the greeting went on before anyone read");
        assertNotNull(channel.pipeline().get(RelayClientHandler.class));
        channel.read();
        channel.runPendingTasks();
        ByteBuf greeting = channel.readInbound();
        assertEquals("SSH-2.0-server\r\n", greeting.toString(CharsetUtil.US_ASCII));
        greeting.release();
        assertNull(channel.pipeline().get(RelayClientHandler.class), "the handler stayed after handing over");
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void on_a_raw_relay_bytes_after_a_lone_ok_wait_for_the_owners_first_read() {
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.config().setAutoRead(false);
        ChannelPromise ready = channel.newPromise();
        channel.pipeline().addLast(new RelayClientHandler("n2", PREFACE, ready, 10_000, NO_CHECK_WITHOUT_TLS));
        channel.writeInbound(ascii("OK\n"));
        assertTrue(ready.isSuccess());
        // A read TLS asked for itself brings the server's greeting before the owner's handlers exist.
        channel.writeInbound(ascii("SSH-2.0-server\r\n"));
        assertNull(channel.readInbound(), "the greeting went on before the owner read");
        channel.read();
        channel.runPendingTasks();
        ByteBuf greeting = channel.readInbound();
        assertEquals("SSH-2.0-server\r\n", greeting.toString(CharsetUtil.US_ASCII));
        greeting.release();
        assertNull(channel.pipeline().get(RelayClientHandler.class));
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void ok_alone_leaves_the_pipeline_at_once() {
        EmbeddedChannel channel = new EmbeddedChannel();
        ChannelPromise ready = channel.newPromise();
        channel.pipeline().addLast(new RelayClientHandler("n2", PREFACE, ready, 10_000, NO_CHECK_WITHOUT_TLS));
        channel.writeInbound(ascii("OK\n"));
        assertTrue(ready.isSuccess());
        assertNull(channel.pipeline().get(RelayClientHandler.class));
        channel.writeInbound(ascii("later"));
        ByteBuf later = channel.readInbound();
        assertEquals("later", later.toString(CharsetUtil.US_ASCII));
        later.release();
        channel.finishAndReleaseAll();
    }

    @Test
    void err_fails_with_the_relays_reason_and_closes() {
        EmbeddedChannel channel = new EmbeddedChannel();
        ChannelPromise ready = channel.newPromise();
        channel.pipeline().addLast(new RelayClientHandler("n2", PREFACE, ready, 10_000, NO_CHECK_WITHOUT_TLS));
        channel.writeInbound(ascii("ERR 403 workspace main.alice.codermon.internal is placed on node n3, not n2\n"));
        assertEquals("relay to node n2 refused: 403 workspace main.alice.codermon.internal is placed on node n3, not n2",
                reason(ready));
        assertFalse(channel.isOpen());
        channel.finishAndReleaseAll();
    }

    @Test
    void a_close_garbage_an_endless_line_or_silence_fail_with_a_reason() {
        EmbeddedChannel closed = new EmbeddedChannel();
        ChannelPromise closedReady = closed.newPromise();
        closed.pipeline().addLast(new RelayClientHandler("n2", PREFACE, closedReady, 10_000, NO_CHECK_WITHOUT_TLS));
        closed.close();
        closed.runPendingTasks();
        assertEquals("relay to node n2 closed the connection before answering", reason(closedReady));

        EmbeddedChannel garbage = new EmbeddedChannel();
        ChannelPromise garbageReady = garbage.newPromise();
        garbage.pipeline().addLast(new RelayClientHandler("n2", PREFACE, garbageReady, 10_000, NO_CHECK_WITHOUT_TLS));
        garbage.writeInbound(ascii("HTTP/1.1 200 OK\r\n"));
        assertEquals("relay to node n2 sent an invalid answer", reason(garbageReady));
        garbage.finishAndReleaseAll();

        EmbeddedChannel endless = new EmbeddedChannel();
        ChannelPromise endlessReady = endless.newPromise();
        endless.pipeline().addLast(new RelayClientHandler("n2", PREFACE, endlessReady, 10_000, NO_CHECK_WITHOUT_TLS));
        endless.writeInbound(ascii("O".repeat(RelayPreface.MAX_LINE)));
        assertEquals("relay to node n2 sent an answer that is too long", reason(endlessReady));
        endless.finishAndReleaseAll();

        EmbeddedChannel silent = new EmbeddedChannel();
        ChannelPromise silentReady = silent.newPromise();
        silent.pipeline().addLast(new RelayClientHandler("n2", PREFACE, silentReady, 100, NO_CHECK_WITHOUT_TLS));
        silent.advanceTimeBy(150, TimeUnit.MILLISECONDS);
        silent.runScheduledPendingTasks();
        assertEquals("relay to node n2 did not answer within 100 ms", reason(silentReady));
        silent.finishAndReleaseAll();
    }
}
