package dev.codermon.proxy.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.util.CharsetUtil;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A small real upstream on a unix domain socket in a directory of its own, as code-server listens in a
 * workspace (NIO's domain sockets, so that the proxy's epoll client meets another implementation). It records every request head it receives; {@code /echo...} streams the request
 * body back as it arrives, {@code /ws...} accepts a WebSocket and echoes text frames as "echo: ...",
 * {@code /sink...} answers the body's length and CRC-32 without storing it, {@code /source/<n>} sends n pattern
 * bytes ({@link PatternBody}), {@code /slow...} answers after a second, a request expecting 100-continue
 * gets a 100 first, {@code /set-cookie...} sets cookies (one for the whole domain), anything else answers
 * "hello &lt;uri&gt;".
 */
public final class TestUpstream implements AutoCloseable {

    /** A request head as the upstream saw it, and which of its connections it came on. */
    public record Seen(String method, String uri, HttpHeaders headers, String connection) {
    }

    private final ConcurrentLinkedQueue<Seen> seen = new ConcurrentLinkedQueue<>();
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private final java.util.concurrent.atomic.AtomicInteger accepted = new java.util.concurrent.atomic.AtomicInteger();
    private final io.netty.channel.group.ChannelGroup connections =
            new io.netty.channel.group.DefaultChannelGroup(io.netty.util.concurrent.GlobalEventExecutor.INSTANCE);
    private Channel server;
    private Channel loopbackServer;
    private Path dir;

    /** Returns how many of this upstream's connections are open now. */
    public int openConnections() {
        return connections.size();
    }

    /** Returns how many connections this upstream has accepted. */
    public int acceptedConnections() {
        return accepted.get();
    }

    /** Listens on {@code cs.sock} in a new temporary directory. */
    public TestUpstream start() throws InterruptedException {
        try {
            dir = Files.createTempDirectory("test-upstream");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server = new ServerBootstrap().group(group).channel(NioServerDomainSocketChannel.class)
                .childHandler(initializer())
                .bind(UnixDomainSocketAddress.of(dir.resolve("cs.sock"))).sync().channel();
        return this;
    }

    /**
     * Also serves, and records, on a loopback TCP port, and returns it: a port standing for the one a
     * workspace's code-server had before it moved to a unix socket, for attacks that aim at a port to
     * prove that nothing reaches it.
     */
    public int listenOnLoopback() throws InterruptedException {
        if (loopbackServer == null) {
            loopbackServer = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(initializer()).bind("127.0.0.1", 0).sync().channel();
        }
        return ((java.net.InetSocketAddress) loopbackServer.localAddress()).getPort();
    }

    private ChannelInitializer<Channel> initializer() {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                accepted.incrementAndGet();
                connections.add(ch);
                ch.pipeline().addLast("codec", new HttpServerCodec())
                        .addLast("chunked", new ChunkedWriteHandler())
                        .addLast("app", new Handler());
            }
        };
    }

    /** Returns the absolute path of the socket this upstream listens on, as a route names it. */
    public String socket() {
        return dir.resolve("cs.sock").toString();
    }

    public List<Seen> seen() {
        return new ArrayList<>(seen);
    }

    /** Closes every open connection, as an upstream dropping idle keep-alive connections would. */
    public void closeConnections() {
        connections.close().syncUninterruptibly();
    }

    public void clear() {
        seen.clear();
    }

    @Override
    public void close() {
        try {
            server.close().syncUninterruptibly();
            if (loopbackServer != null) {
                loopbackServer.close().syncUninterruptibly();
            }
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        } finally {
            try {
                Files.deleteIfExists(dir.resolve("cs.sock"));
                Files.deleteIfExists(dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private final class Handler extends ChannelInboundHandlerAdapter {

        private boolean echo;
        private boolean source;
        private CRC32 sink;
        private long sinkBytes;
        private boolean webSocket;
        private String uri;
        /** Request heads this connection received before the current one. */
        private int requestsBefore = -1;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof WebSocketFrame frame) {
                onFrame(ctx, frame);
                return;
            }
            if (msg instanceof HttpRequest request) {
                seen.add(new Seen(request.method().name(), request.uri(), request.headers().copy(),
                        ctx.channel().id().asLongText()));
                uri = request.uri();
                requestsBefore++;
                if (uri.startsWith("/drop-always") || uri.startsWith("/drop-on-reuse") && requestsBefore > 0) {
                    // An upstream whose keep-alive timeout meets the request: it hangs up unanswered.
                    ReferenceCountUtil.release(msg);
                    ctx.close();
                    return;
                }
                sink = uri.startsWith("/sink") ? new CRC32() : null;
                sinkBytes = 0;
                if (HttpUtil.is100ContinueExpected(request)) {
                    ctx.writeAndFlush(new DefaultFullHttpResponse(request.protocolVersion(),
                            HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER));
                }
                if (uri.startsWith("/source/")) {
                    long length = Long.parseLong(uri.substring("/source/".length()));
                    HttpResponse response = new DefaultHttpResponse(io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
                            HttpResponseStatus.OK);
                    HttpUtil.setContentLength(response, length);
                    ctx.write(response);
                    ctx.writeAndFlush(new HttpChunkedInput(new PatternBody(length)));
                    source = true;
                } else if (uri.startsWith("/ws") && request.headers().contains(HttpHeaderNames.UPGRADE)) {
                    webSocket = true;
                    handshake(ctx, request);
                } else if (uri.startsWith("/echo")) {
                    echo = true;
                    HttpResponse response = new DefaultHttpResponse(request.protocolVersion(), HttpResponseStatus.OK);
                    if (HttpUtil.isContentLengthSet(request)) {
                        HttpUtil.setContentLength(response, HttpUtil.getContentLength(request));
                    } else {
                        HttpUtil.setTransferEncodingChunked(response, true);
                    }
                    ctx.write(response);
                }
            }
            if (msg instanceof HttpContent content) {
                boolean last = content instanceof LastHttpContent;
                if (echo) {
                    ctx.write(content);
                    echo = !last;
                } else {
                    if (sink != null) {
                        sinkBytes += content.content().readableBytes();
                        sink.update(content.content().nioBuffer());
                    }
                    content.release();
                    if (last && source) {
                        source = false;
                    } else if (last && !webSocket) {
                        reply(ctx);
                    }
                }
            }
        }

        private void reply(ChannelHandlerContext ctx) {
            String text = sink != null ? "bytes=" + sinkBytes + " crc=" + sink.getValue() : "hello " + uri;
            FullHttpResponse response = new DefaultFullHttpResponse(io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
                    HttpResponseStatus.OK, Unpooled.copiedBuffer(text, CharsetUtil.UTF_8));
            if (uri.startsWith("/slow")) {
                HttpUtil.setContentLength(response, response.content().readableBytes());
                ctx.executor().schedule(() -> ctx.writeAndFlush(response), 1, java.util.concurrent.TimeUnit.SECONDS);
                return;
            }
            HttpUtil.setContentLength(response, response.content().readableBytes());
            if (uri.startsWith("/set-cookie")) {
                // A workspace tossing cookies at its siblings, and at the proxy's own session.
                response.headers().add(HttpHeaderNames.SET_COOKIE, "app=1; Domain=codermon.internal; Path=/")
                        .add(HttpHeaderNames.SET_COOKIE, "plain=2; Path=/; HttpOnly")
                        .add(HttpHeaderNames.SET_COOKIE, "codermon_session=tossed; Path=/");
            }
            ctx.writeAndFlush(response);
        }

        private void handshake(ChannelHandlerContext ctx, HttpRequest request) {
            FullHttpRequest full = new DefaultFullHttpRequest(request.protocolVersion(), request.method(),
                    request.uri(), Unpooled.EMPTY_BUFFER, request.headers(), EmptyHttpHeaders.INSTANCE);
            WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory(
                    "ws://" + request.headers().get(HttpHeaderNames.HOST) + request.uri(), null, true)
                    .newHandshaker(full);
            handshaker.handshake(ctx.channel(), full);
            full.release();
        }

        private void onFrame(ChannelHandlerContext ctx, WebSocketFrame frame) {
            if (frame instanceof TextWebSocketFrame text) {
                ctx.writeAndFlush(new TextWebSocketFrame("echo: " + text.text()));
            } else if (frame instanceof CloseWebSocketFrame) {
                ctx.writeAndFlush(new CloseWebSocketFrame()).addListener(ChannelFutureListener.CLOSE);
            }
            ReferenceCountUtil.release(frame);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }
    }
}
