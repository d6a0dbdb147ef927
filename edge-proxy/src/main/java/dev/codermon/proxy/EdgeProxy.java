package dev.codermon.proxy;

import dev.codermon.auth.TokenVerifier;
import dev.codermon.auth.route.RouteStore;
import dev.codermon.proxy.http.ProxyAuthenticator;
import dev.codermon.proxy.http.TargetPolicy;
import dev.codermon.proxy.pipeline.ProxyChannelInitializer;
import dev.codermon.proxy.upstream.ActivityRecorder;
import dev.codermon.proxy.upstream.RouteCache;
import dev.codermon.proxy.upstream.UpstreamConnector;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the forward proxy: binds the listening socket and wires authentication, egress policy, the
 * route cache and the upstream connector into each connection's pipeline.
 */
public final class EdgeProxy implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EdgeProxy.class);
    private static final Duration ROUTE_REFRESH = Duration.ofSeconds(1);
    private static final Duration ACTIVITY_FLUSH = Duration.ofSeconds(10);
    private static final int CONNECT_TIMEOUT_MILLIS = 5_000;
    private static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(32 * 1024, 128 * 1024);

    private final ProxyConfig config;
    private final RouteStore store;
    private final TokenVerifier verifier;
    private final Transport transport = Transport.detect();

    private EventLoopGroup bossGroup;
    private EventLoopGroup workerGroup;
    private ScheduledThreadPoolExecutor storeExecutor;
    private RouteCache routes;
    private ActivityRecorder activity;
    private Channel serverChannel;

    /** Creates a proxy that reads routes from the store and verifies tokens with the verifier. */
    public EdgeProxy(ProxyConfig config, RouteStore store, TokenVerifier verifier) {
        this.config = config;
        this.store = store;
        this.verifier = verifier;
    }

    /** Binds the listening socket and returns this. */
    public EdgeProxy start() throws InterruptedException {
        storeExecutor = new ScheduledThreadPoolExecutor(2, daemonThreads("route-store-"));
        storeExecutor.setRemoveOnCancelPolicy(true);
        routes = new RouteCache(store, storeExecutor, ROUTE_REFRESH);
        activity = new ActivityRecorder(store, Clock.systemUTC(), storeExecutor, ACTIVITY_FLUSH);
        bossGroup = transport.newGroup(1);
        workerGroup = transport.newGroup(0);
        ProxyChannelInitializer initializer = new ProxyChannelInitializer(new ProxyAuthenticator(verifier),
                new TargetPolicy(config.domain()), routes,
                new UpstreamConnector(transport.clientChannelFactory(), CONNECT_TIMEOUT_MILLIS, WATER_MARK),
                activity);
        serverChannel = new ServerBootstrap()
                .group(bossGroup, workerGroup)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .childHandler(initializer)
                .bind(config.bind(), config.port())
                .sync()
                .channel();
        log.info("edge-proxy listening on {} ({}, domain {})", address(), transport, config.domain());
        return this;
    }

    /** Returns the bound address. */
    public InetSocketAddress address() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /** Returns the bound port (useful with port 0). */
    public int port() {
        return address().getPort();
    }

    /** Stops listening, closes every connection and stops the background threads. */
    @Override
    public void close() {
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
        }
        if (workerGroup != null) {
            bossGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            workerGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (routes != null) {
            routes.close();
            activity.close();
            storeExecutor.shutdownNow();
        }
        log.info("edge-proxy stopped");
    }

    private static java.util.concurrent.ThreadFactory daemonThreads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
