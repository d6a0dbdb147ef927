package dev.codermon.proxy.relay;

import dev.codermon.proxy.http.Refusal;
import dev.codermon.proxy.upstream.UpstreamUnreachable;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.CharsetUtil;
import io.netty.util.ReferenceCountUtil;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.util.Locale;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes a proxy's connection to another node's relay from its TLS handshake to the relay's {@code OK}:
 * checks that the relay's certificate names the node the route is on, sends the preface, and completes
 * the promise on {@code OK} or fails it with the reason the client will read ({@code ERR}, TLS failure, a
 * close, the deadline). Bytes that came right after {@code OK} (an SSH server's greeting) wait here until
 * the connection's new owner first reads; then this handler leaves the pipeline.
 */
final class RelayClientHandler extends ChannelDuplexHandler {

    static final String NAME = "relay-client";
    private static final Logger log = LoggerFactory.getLogger(RelayClientHandler.class);

    private final String node;
    private final RelayPreface preface;
    private final ChannelPromise ready;
    private final long deadlineMillis;
    private final PeerCheck peers;
    private ScheduledFuture<?> deadline;
    private ByteBuf received;

    /** @param peers checks that the relay's certificate is the one its node published */
    RelayClientHandler(String node, RelayPreface preface, ChannelPromise ready, long deadlineMillis, PeerCheck peers) {
        this.node = node;
        this.preface = preface;
        this.ready = ready;
        this.deadlineMillis = deadlineMillis;
        this.peers = peers;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        deadline = ctx.executor().schedule(() -> fail(ctx, "relay to node " + node + " did not answer within "
                + deadlineMillis + " ms"), deadlineMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (!(evt instanceof SslHandshakeCompletionEvent handshake)) {
            ctx.fireUserEventTriggered(evt);
            return;
        }
        if (!handshake.isSuccess()) {
            fail(ctx, "relay to node " + node + " failed TLS: " + describe(handshake.cause()));
            return;
        }
        handshaken(ctx);
    }

    /**
     * Checks that the relay's certificate names the route's node and is the one that node published, then
     * sends the preface.
     */
    private void handshaken(ChannelHandlerContext ctx) {
        String wrongNode = wrongNode(ctx.channel(), node);
        if (wrongNode != null) {
            fail(ctx, wrongNode);
            return;
        }
        peers.check(ctx.channel(), node, refusal -> {
            if (refusal != null) {
                fail(ctx, "relay to node " + node + " refused: " + refusal);
            } else if (!ready.isDone()) {
                ctx.writeAndFlush(ByteBufUtil.writeAscii(ctx.alloc(), preface.line()));
                ctx.read();
            }
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf bytes) || (ready.isDone() && !ready.isSuccess())) {
            ReferenceCountUtil.release(msg);
            return;
        }
        received = received == null ? bytes : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(ctx.alloc(), received, bytes);
        if (ready.isDone()) {
            return;
        }
        int end = received.indexOf(received.readerIndex(), received.writerIndex(), (byte) '\n');
        if (end < 0) {
            if (received.readableBytes() >= RelayPreface.MAX_LINE) {
                fail(ctx, "relay to node " + node + " sent an answer that is too long");
            }
            return;
        }
        String line = received.toString(received.readerIndex(), end - received.readerIndex(), CharsetUtil.US_ASCII);
        received.readerIndex(end + 1);
        if (line.equals(RelayPreface.OK)) {
            deadline.cancel(false);
            ByteBuf rest = received;
            received = null;
            if (!rest.isReadable()) {
                rest.release();
                rest = null;
            }
            ready.trySuccess();
            if (ctx.channel().config().isAutoRead()) {
                // An HTTP connection: its handlers are in place already, what followed OK goes on now.
                ctx.pipeline().remove(this);
                if (rest != null) {
                    ctx.fireChannelRead(rest);
                }
            } else {
                // A raw relay: its handlers come later, and a read TLS asks for itself (a session ticket)
                // may bring the server's first bytes before them. Held until the owner first reads.
                received = rest;
            }
        } else if (line.startsWith(RelayPreface.ERR)) {
            fail(ctx, "relay to node " + node + " refused: " + printable(line.substring(RelayPreface.ERR.length())));
        } else {
            fail(ctx, "relay to node " + node + " sent an invalid answer");
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!ready.isDone()) {
            ctx.read();
        } else {
            ctx.fireChannelReadComplete();
        }
    }

    /**
     * Hands the bytes that followed {@code OK} (on a raw relay) to the new owner on its first read, then
     * leaves. They come in a task of their own, as a read from the socket would: the owner asking to read
     * may still be rebuilding its pipelines (an SSH tunnel removes the client's HTTP handlers after it asks).
     */
    @Override
    public void read(ChannelHandlerContext ctx) {
        if (!ready.isSuccess()) {
            ctx.read();
            return;
        }
        ByteBuf early = received;
        received = null;
        if (early == null) {
            ctx.pipeline().remove(this);
            ctx.read();
            return;
        }
        ctx.executor().execute(() -> {
            // Bytes a read of TLS's own brought meanwhile go after the first ones.
            ByteBuf more = received;
            received = null;
            if (ctx.pipeline().context(this) != null) {
                ctx.pipeline().remove(this);
            }
            ctx.fireChannelRead(early);
            if (more != null) {
                ctx.fireChannelRead(more);
            }
            ctx.fireChannelReadComplete();
        });
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (ready.isDone()) {
            ctx.fireChannelInactive();
            return;
        }
        // A TLS alert that closed the connection is reported right after the close: let it name the reason.
        // The handlers behind learn of the close only once the promise's owner heard why.
        ctx.executor().execute(() -> {
            fail(ctx, "relay to node " + node + " closed the connection before answering");
            ctx.fireChannelInactive();
        });
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (ready.isSuccess()) {
            ctx.fireExceptionCaught(cause);
        } else if (ready.isDone()) {
            log.debug("{} after the relay's refusal: {}", ctx.channel(), cause.toString());
        } else {
            fail(ctx, "relay to node " + node + " failed TLS: " + describe(cause));
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (deadline != null) {
            deadline.cancel(false);
        }
        if (received != null) {
            received.release();
            received = null;
        }
    }

    private void fail(ChannelHandlerContext ctx, String reason) {
        if (fail(ready, reason)) {
            log.debug("{} {}", ctx.channel(), reason);
        }
        ctx.close();
    }

    /**
     * Returns why a relay connection whose handshake succeeded leads to the wrong relay (its certificate
     * names another node than the route's), or null if it names the route's node.
     */
    static String wrongNode(Channel channel, String node) {
        String named = RelayAcceptHandler.peerNode(channel);
        return node.equals(named) ? null
                : "relay to node " + node + " failed TLS: its certificate names node " + named + ", not " + node;
    }

    /** Fails the promise with a 502 carrying the reason; returns whether it was still open. */
    static boolean fail(ChannelPromise ready, String reason) {
        return ready.tryFailure(new UpstreamUnreachable(new Refusal(HttpResponseStatus.BAD_GATEWAY, reason)));
    }

    /** Says in a few words why a TLS handshake with a relay failed. */
    static String describe(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof CertPathValidatorException || t instanceof CertPathBuilderException) {
                return "certificate not issued by this cluster's CA";
            }
        }
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        // The JDK says "Received fatal alert: ...", BoringSSL "...TLSV1_ALERT_CERTIFICATE_REQUIRED" (it
        // presents no certificate that the relay's CA did not issue).
        if (message != null && message.toLowerCase(Locale.ROOT).contains("alert")) {
            return "the relay refused this node's certificate (" + printable(message) + ")";
        }
        return printable(message == null ? root.getClass().getSimpleName() : message);
    }

    /** Keeps a peer's text to one short line of printable ASCII. */
    static String printable(String text) {
        return RelayMuxProtocol.printable(text);
    }
}
