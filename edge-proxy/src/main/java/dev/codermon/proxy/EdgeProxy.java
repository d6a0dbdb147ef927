package dev.codermon.proxy;

import dev.codermon.auth.TokenVerifier;
import dev.codermon.auth.route.PresenceWriter;
import dev.codermon.auth.route.ProxyStore;
import dev.codermon.auth.route.RouteFeed;
import dev.codermon.proxy.access.LiveConnections;
import dev.codermon.proxy.access.PresencePublisher;
import dev.codermon.proxy.access.ProxySessions;
import dev.codermon.proxy.access.Revocations;
import dev.codermon.proxy.access.ProxyAuthenticator;
import dev.codermon.proxy.http.TargetPolicy;
import dev.codermon.proxy.pipeline.AccessServices;
import dev.codermon.proxy.metrics.AccessLog;
import dev.codermon.proxy.metrics.AdminServer;
import dev.codermon.proxy.metrics.ProxyMetrics;
import dev.codermon.proxy.pipeline.ClientConnections;
import dev.codermon.proxy.pipeline.ClientFront;
import dev.codermon.proxy.pipeline.FrontLimits;
import dev.codermon.proxy.pipeline.ProxyChannelInitializer;
import dev.codermon.proxy.relay.NodeRelay;
import dev.codermon.proxy.routes.RouteFollower;
import dev.codermon.proxy.routes.RouteTable;
import dev.codermon.proxy.tls.ServerCertificates;
import dev.codermon.proxy.upstream.ActivityRecorder;
import dev.codermon.proxy.upstream.UpstreamConnector;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.util.NettyRuntime;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.UUID;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the forward proxy: binds the listening socket and wires authentication, egress policy, the
 * in-memory route table (kept up to date by its follower) and the upstream connector into each
 * connection's pipeline.
 */
final class EdgeProxy implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EdgeProxy.class);
    private static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(32 * 1024, 128 * 1024);

    private final ProxyConfig config;
    private final AccessSettings access;
    private final ProxyStore store;
    private final RouteFeed feed;
    private final TokenVerifier verifier;
    private final Transport transport = Transport.detect();

    private EventLoopGroup bossGroup;
    private EventLoopGroup workerGroup;
    private ScheduledThreadPoolExecutor storeExecutor;
    private ScheduledThreadPoolExecutor tlsExecutor;
    private ServerCertificates certificates;
    private final RouteTable routes = new RouteTable();
    private RouteFollower follower;
    private ActivityRecorder activity;
    private PresencePublisher presence;
    private Channel serverChannel;
    private final ProxyMetrics metrics = new ProxyMetrics();
    private ClientConnections clients;
    private AdminServer admin;
    private NodeRelay relay;
    private volatile boolean draining;
    private boolean closed;

    /**
     * Creates a proxy that holds the feed's routes and revocations in memory, keeps its sessions, activity and
     * presence in the store, and verifies tokens with the verifier.
     */
    public EdgeProxy(ProxyConfig config, AccessSettings access, ProxyStore store, RouteFeed feed,
            TokenVerifier verifier) {
        this.config = config;
        this.access = access;
        this.store = store;
        this.feed = feed;
        this.verifier = verifier;
    }

    /** Makes this proxy a node of a cluster, before {@link #start}: it runs the relay and uses others' (docs/relay.md). */
    public EdgeProxy withRelay(NodeRelay nodeRelay) {
        this.relay = nodeRelay;
        return this;
    }

    /** Binds the listening socket and returns this. */
    public EdgeProxy start() throws InterruptedException {
        tlsExecutor = new ScheduledThreadPoolExecutor(1, new DefaultThreadFactory("tls-certificates", true));
        certificates = ServerCertificates.fromLocalCa(config.home().caDir(), config.domain(), Clock.systemUTC(),
                tlsExecutor);
        storeExecutor = new ScheduledThreadPoolExecutor(2, new DefaultThreadFactory("route-store", true));
        storeExecutor.setRemoveOnCancelPolicy(true);
        activity = new ActivityRecorder(store, Clock.systemUTC(), storeExecutor, access.activityInterval());
        Revocations revocations = new Revocations();
        LiveConnections connections = new LiveConnections();
        // Each start is a new instance: rows a killed predecessor left stop counting on their own.
        presence = new PresencePublisher(store, connections, UUID.randomUUID().toString(), Clock.systemUTC(),
                storeExecutor, PresenceWriter.EVERY);
        follower = new RouteFollower(feed, routes, revocations, connections, config.routeSnapshotFile()).start();
        routes.readWith(follower::readSoon);
        metrics.routeTable(routes::size, routes::version, follower::secondsSinceRead, follower::reloads);
        AccessServices services = new AccessServices(verifier, certificates,
                new ProxySessions(store, storeExecutor, Clock.systemUTC(), access.sessionTtl()), revocations,
                connections, access.consoleOrigins());
        bossGroup = transport.newGroup(1);
        workerGroup = transport.newGroup(ioThreads());
        ProxyLimits limits = config.limits();
        clients = new ClientConnections(limits.maxConnections());
        metrics.openConnections(clients::open);
        ClientFront front = new ClientFront(new FrontLimits(limits.maxRequestLine(), limits.maxHeaderBytes(),
                limits.maxHeaderCount(), limits.headerTimeout(), limits.httpIdleTimeout(), limits.tunnelIdleTimeout()),
                clients, metrics, new AccessLog());
        UpstreamConnector connector = new UpstreamConnector(transport.upstreamChannelFactory(),
                transport::upstreamAddress, (int) limits.connectTimeout().toMillis(), WATER_MARK,
                NodeRelay.remoteUpstreams(relay, transport.tcpChannelFactory(), limits.connectTimeout(), WATER_MARK));
        ProxyChannelInitializer initializer = new ProxyChannelInitializer(front,
                new ProxyAuthenticator(verifier, revocations, Clock.systemUTC()),
                new TargetPolicy(config.domain(), config.deniedAppPorts()), routes, connector, activity, services);
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
        log.info("edge-proxy listening on {} (transport {}, domain {})", address(), transport, config.domain());
        if (relay != null) {
            relay.listen(bossGroup, workerGroup, transport.serverChannel(), connector, routes::lookup);
            metrics.relay(relay::acceptedConnections, relay::openConnections);
        }
        if (config.adminPort() >= 0) {
            try {
                admin = AdminServer.start(config.adminPort(), config.adminAllowedHosts(), metrics, () -> !draining);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot listen on admin port " + config.adminPort(), e);
            }
            log.info("edge-proxy admin (/metrics, /healthz) on 127.0.0.1:{}", admin.port());
        }
        return this;
    }

    /** Returns the bound address. */
    public InetSocketAddress address() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /** Returns the PEM file of the local CA that signs the certificates of CONNECT :443 tunnels. */
    public Path caCertificateFile() {
        return certificates.caCertificateFile();
    }

    /** Returns the bound port (useful with port 0). */
    public int port() {
        return address().getPort();
    }

    /** Returns the admin port, or -1 when there is no admin server. */
    public int adminPort() {
        return admin == null ? -1 : admin.port();
    }

    /** Returns the in-memory route table (tests wait on it for a change to arrive). */
    RouteTable routes() {
        return routes;
    }

    /** Returns the proxy's metrics. */
    public ProxyMetrics metrics() {
        return metrics;
    }

    /**
     * Drains, then closes: stops accepting, lets in-flight requests finish (their responses say
     * {@code Connection: close}) for up to the drain timeout, then closes tunnels and everything else.
     */
    public void drainAndClose() {
        if (serverChannel != null && clients != null) {
            draining = true;
            serverChannel.close().syncUninterruptibly();
            clients.drain();
            long deadline = System.nanoTime() + config.limits().drainTimeout().toNanos();
            while (clients.open() > metrics.openWebSockets() && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            log.info("edge-proxy drained; closing {} remaining connections", clients.open());
            clients.closeAll(); // relays (WebSockets) never finish by themselves
        }
        close();
    }

    /** Stops listening, closes every connection and stops the background threads. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (admin != null) {
            admin.close();
            admin = null;
        }
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
        }
        if (workerGroup != null) {
            // Access-log lines wait on their event loop for up to a batch delay: hand them over first.
            for (var loop : workerGroup) {
                loop.submit(AccessLog::flushCurrentThread).awaitUninterruptibly(2, TimeUnit.SECONDS);
            }
            bossGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            workerGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (follower != null) {
            follower.close();
        }
        if (activity != null) {
            activity.close();
            presence.close();
            storeExecutor.shutdownNow();
            tlsExecutor.shutdownNow();
        }
        log.info("edge-proxy stopped");
    }

    /**
     * Returns how many event loops serve connections: one per processor, not Netty's two (WebSocket echo gained
     * about a third with 2 loops instead of 4 on 2 cores); {@code -Dio.netty.eventLoopThreads} overrides it.
     */
    static int ioThreads() {
        return Integer.getInteger("io.netty.eventLoopThreads", NettyRuntime.availableProcessors());
    }
}
