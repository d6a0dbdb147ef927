package dev.codermon.proxy.upstream;

import dev.codermon.auth.route.Route;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Opens connections to workspace upstreams (code-server's unix domain socket, {@link Route#upstreamSocket()},
 * or for a workspace on another node that node's relay, {@link RemoteUpstreams}) on the client channel's own
 * event loop, so that both sides of a proxied exchange run on one thread,
 * and keeps one {@link UpstreamPool} of idle keep-alive connections per event loop.
 */
public final class UpstreamConnector {

    /**
     * How long an upstream connection may wait idle in a pool: under the 5 s keep-alive timeout of
     * Node's HTTP server (code-server), so that the proxy gives a connection up before the upstream does.
     */
    public static final Duration DEFAULT_POOL_IDLE_TIMEOUT = Duration.ofSeconds(4);
    /** How many idle connections a pool keeps per workspace upstream. */
    public static final int DEFAULT_MAX_IDLE_PER_UPSTREAM = 64;

    static final String CODEC = "upstream-codec";
    static final String APP_RETRY = "app-retry";
    static final String RESPONSE = "upstream-response";
    /** Handlers that go away when a connection switches to a raw relay, codec last. */
    private static final String[] HTTP_HANDLERS = {RESPONSE, APP_RETRY, CODEC};

    /**
     * Response heads are parsed strictly (no duplicate {@code Content-Length}, valid header names and
     * values): a response the proxy cannot frame exactly is refused, never relayed. Its header section
     * may be larger than a request's, since workspaces send long security policies. A body passes on in
     * pieces as large as what one read brought (not 8 KiB ones), so that a large download costs few
     * messages.
     */
    private static final HttpDecoderConfig RESPONSE_DECODER = new HttpDecoderConfig()
            .setMaxInitialLineLength(8 * 1024)
            .setMaxHeaderSize(64 * 1024)
            .setMaxChunkSize(256 * 1024)
            .setValidateHeaders(true)
            .setAllowDuplicateContentLengths(false);

    private final ChannelFactory<? extends Channel> channelFactory;
    private final Function<String, SocketAddress> socketAddress;
    private final int connectTimeoutMillis;
    private final WriteBufferWaterMark waterMark;
    private final int maxIdlePerUpstream;
    private final long poolIdleTimeoutNanos;
    private final Map<EventLoop, UpstreamPool> pools = new ConcurrentHashMap<>();
    private final RemoteUpstreams remote;

    /**
     * Creates a connector whose channels come from the factory (domain socket channels of the event loops'
     * transport) and reach a socket path at the address the function makes of it.
     */
    public UpstreamConnector(ChannelFactory<? extends Channel> channelFactory,
            Function<String, SocketAddress> socketAddress, int connectTimeoutMillis, WriteBufferWaterMark waterMark) {
        this(channelFactory, socketAddress, connectTimeoutMillis, waterMark, DEFAULT_MAX_IDLE_PER_UPSTREAM,
                DEFAULT_POOL_IDLE_TIMEOUT);
    }

    /** Creates a connector with the default pools that reaches workspaces on other nodes through the given relays. */
    public UpstreamConnector(ChannelFactory<? extends Channel> channelFactory,
            Function<String, SocketAddress> socketAddress, int connectTimeoutMillis, WriteBufferWaterMark waterMark,
            RemoteUpstreams remote) {
        this(channelFactory, socketAddress, connectTimeoutMillis, waterMark, DEFAULT_MAX_IDLE_PER_UPSTREAM,
                DEFAULT_POOL_IDLE_TIMEOUT, remote);
    }

    public UpstreamConnector(ChannelFactory<? extends Channel> channelFactory,
            Function<String, SocketAddress> socketAddress, int connectTimeoutMillis, WriteBufferWaterMark waterMark,
            int maxIdlePerUpstream, Duration poolIdleTimeout) {
        this(channelFactory, socketAddress, connectTimeoutMillis, waterMark, maxIdlePerUpstream, poolIdleTimeout,
                RemoteUpstreams.NONE);
    }

    /** Creates a connector that reaches workspaces on other nodes through the given relays. */
    public UpstreamConnector(ChannelFactory<? extends Channel> channelFactory,
            Function<String, SocketAddress> socketAddress, int connectTimeoutMillis, WriteBufferWaterMark waterMark,
            int maxIdlePerUpstream, Duration poolIdleTimeout, RemoteUpstreams remote) {
        this.remote = remote;
        this.channelFactory = channelFactory;
        this.socketAddress = socketAddress;
        this.connectTimeoutMillis = connectTimeoutMillis;
        this.waterMark = waterMark;
        this.maxIdlePerUpstream = maxIdlePerUpstream;
        this.poolIdleTimeoutNanos = poolIdleTimeout.toNanos();
    }

    /** Returns a new client connection's link to its upstreams, using its event loop's pool. */
    public UpstreamLink link(Channel client, UpstreamListener listener) {
        return new UpstreamLink(this, poolFor(client.eventLoop()), client, listener);
    }

    /** Returns the pool of the given event loop (a client connection looks it up once). */
    UpstreamPool poolFor(EventLoop loop) {
        return pools.computeIfAbsent(loop, l -> new UpstreamPool(l, maxIdlePerUpstream, poolIdleTimeoutNanos));
    }

    static UpstreamResponseHandler responseHandlerOf(Channel upstream) {
        return (UpstreamResponseHandler) upstream.pipeline().get(RESPONSE);
    }

    /**
     * Stops HTTP encoding on an upstream connection that switches to a raw relay: bytes the decoder still
     * holds flow on unencoded once {@link #removeHttpHandlers} removes it.
     */
    public static void removeEncoder(Channel upstream) {
        if (upstream.pipeline().get(CODEC) instanceof CombinedChannelDuplexHandler<?, ?> codec) {
            codec.removeOutboundHandler();
        }
    }

    /** Removes the HTTP handlers of an upstream connection that switched to a raw relay, codec last. */
    public static void removeHttpHandlers(Channel upstream) {
        ChannelPipeline pipeline = upstream.pipeline();
        for (String name : HTTP_HANDLERS) {
            if (pipeline.get(name) != null) {
                pipeline.remove(name);
            }
        }
    }

    /**
     * Connects to a workspace's unix socket for a raw byte relay (SSH): no codec; reads wait until a relay
     * asks for them. A socket file that is missing, or that nothing listens on, fails the future at once.
     */
    public ChannelFuture connectRaw(Channel client, String socketPath) {
        return new Bootstrap()
                .group(client.eventLoop())
                .channelFactory(channelFactory)
                .disableResolver()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark)
                .option(ChannelOption.AUTO_READ, false)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        // The relay is added once the client has its answer.
                    }
                })
                .connect(socketAddress.apply(socketPath));
    }

    /**
     * Connects to the socket of the given kind of the route's workspace for a raw byte relay (SSH): on this
     * node as {@link #connectRaw}, on another node through its relay (reads wait there too).
     */
    public ChannelFuture connectRaw(Channel client, Route route, SocketKind kind) {
        if (remote.isRemote(route)) {
            return remote.open(client, route, kind, new ChannelInitializer<>() {
                @Override
                protected void initChannel(Channel ch) {
                    // The relay is added once the client has its answer.
                }
            });
        }
        return connectRaw(client, kind.pathOf(route));
    }

    /**
     * Connects to the route's upstream socket with an HTTP client codec, the wait for app ports that are
     * not listening yet, and the response handler. A socket file that is missing, or that nothing listens
     * on, fails the future at once.
     */
    ChannelFuture connect(Channel client, Route route, ChannelHandler responseHandler) {
        ChannelInitializer<Channel> http = new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline()
                        .addLast(CODEC, new HttpClientCodec(RESPONSE_DECODER,
                                HttpClientCodec.DEFAULT_PARSE_HTTP_AFTER_CONNECT_REQUEST,
                                HttpClientCodec.DEFAULT_FAIL_ON_MISSING_RESPONSE))
                        .addLast(APP_RETRY, new AppRetryHandler())
                        .addLast(RESPONSE, responseHandler);
            }
        };
        if (remote.isRemote(route)) {
            return remote.open(client, route, SocketKind.HTTP, http);
        }
        return new Bootstrap()
                .group(client.eventLoop())
                .channelFactory(channelFactory)
                // A path names the socket: there is no name to resolve.
                .disableResolver()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark)
                .handler(http)
                .connect(socketAddress.apply(route.upstreamSocket()));
    }
}
