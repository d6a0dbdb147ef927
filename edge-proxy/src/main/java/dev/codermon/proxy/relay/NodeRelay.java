package dev.codermon.proxy.relay;

import dev.codermon.auth.route.NodeDirectory;
import dev.codermon.proxy.upstream.RemoteUpstreams;
import dev.codermon.proxy.upstream.UpstreamConnector;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Is this node's door in a cluster: the relay that other nodes' proxies reach this node's workspaces
 * through ({@link #listen}), and the client this proxy reaches other nodes' workspaces with
 * ({@link #remoteUpstreams}). Both use the node's certificate from the cluster CA (docs/relay.md).
 */
public final class NodeRelay implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NodeRelay.class);
    /** How long a relay connection may take from accept to a complete preface (TLS handshake included). */
    static final Duration PREFACE_DEADLINE = Duration.ofSeconds(10);
    /** How long a proxy waits for a relay's answer after connecting (the relay may look the route up in the store). */
    static final Duration ANSWER_DEADLINE = Duration.ofSeconds(15);
    /** How long a proxy keeps its multiplexed connection to another node's relay open without streams. */
    static final Duration MUX_KEEP = Duration.ofSeconds(45);
    /**
     * After how long without anything read a proxy checks its multiplexed connection to a relay with a PING;
     * without an answer within as long again it closes it (a node gone without closing its connections).
     */
    static final Duration MUX_SILENCE = Duration.ofSeconds(15);
    /**
     * After how long without anything read a relay checks a multiplexed connection with a PING of its own;
     * without an answer within as long again it closes it and its streams' sockets (a proxy's node gone
     * without closing its connections). A live proxy answers, and pings a quiet connection itself sooner.
     */
    static final Duration RELAY_SILENCE = Duration.ofSeconds(30);

    private final RelaySettings settings;
    private final RelayTlsFiles tls;
    private final ExecutorService lookups;
    private final RelayAddresses addresses;
    private final PeerCheck peers;
    private Channel server;
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicInteger open = new AtomicInteger();
    private long silenceMillis = RELAY_SILENCE.toMillis();

    private NodeRelay(RelaySettings settings, RelayTlsFiles tls, NodeAddressBook peers) {
        this.settings = settings;
        this.tls = tls;
        this.lookups = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "relay-addresses");
            thread.setDaemon(true);
            return thread;
        });
        this.addresses = new RelayAddresses(peers::relayAddress, lookups);
        this.peers = new PeerCheck(peers, lookups);
    }

    /**
     * Loads the node's certificate and prepares the relay. The certificate's files are looked at again every
     * second: one issued again is presented once the node's agent published it ({@link RelayTlsFiles}).
     *
     * @param nodes the store's nodes table: other nodes' relay addresses and the relay certificates they
     *              published (read at once, then every few seconds, and kept through a store outage)
     * @throws IllegalArgumentException if the TLS directory's files are missing, unreadable or name another node
     */
    public static NodeRelay create(RelaySettings settings, NodeDirectory nodes) {
        NodeAddressBook book = NodeAddressBook.following(nodes);
        RelayTlsFiles tls = RelayTlsFiles.load(settings.tlsDir(), settings.nodeId(), book, Clock.systemUTC()).follow();
        return new NodeRelay(settings, tls, book);
    }

    /** Returns how a proxy with the given relay (or none: null) reaches workspaces on other nodes. */
    public static RemoteUpstreams remoteUpstreams(NodeRelay relay, ChannelFactory<? extends Channel> tcpChannels,
            Duration connectTimeout, WriteBufferWaterMark waterMark) {
        return relay == null ? RemoteUpstreams.NONE
                : relay.remoteUpstreams(tcpChannels, (int) connectTimeout.toMillis(), waterMark);
    }

    /** Returns this node's id. */
    public String nodeId() {
        return settings.nodeId();
    }

    /** Returns how this proxy reaches other nodes' workspaces (for the {@link UpstreamConnector}). */
    public RemoteUpstreams remoteUpstreams(ChannelFactory<? extends Channel> tcpChannels, int connectTimeoutMillis,
            WriteBufferWaterMark waterMark) {
        return new RelayClient(settings.nodeId(), tls, addresses, peers, tcpChannels, connectTimeoutMillis, waterMark,
                ANSWER_DEADLINE.toMillis(), MUX_KEEP.toMillis(), MUX_SILENCE.toMillis());
    }

    /**
     * Starts the relay listener, unless the settings give no port; relayed sockets are opened with the
     * connector on the accepting event loop.
     *
     * @param routes the proxy's own route lookup, which decides what the relay forwards to
     */
    public void listen(EventLoopGroup boss, EventLoopGroup workers, Class<? extends ServerChannel> serverChannel,
            UpstreamConnector connector, RelayRoutes routes) throws InterruptedException {
        if (settings.port() < 0) {
            return;
        }
        long deadline = PREFACE_DEADLINE.toMillis();
        server = new ServerBootstrap()
                .group(boss, workers)
                .channel(serverChannel)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                // A peer node that vanished (power, network) leaves no half-open relay behind for ever.
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        accepted.incrementAndGet();
                        open.incrementAndGet();
                        ch.closeFuture().addListener(closed -> open.decrementAndGet());
                        SslHandler ssl = tls.get().server().newHandler(ch.alloc());
                        ssl.setHandshakeTimeoutMillis(deadline);
                        ch.pipeline()
                                .addLast(RelayClient.TLS, ssl)
                                .addLast(RelayAcceptHandler.NAME,
                                        new RelayAcceptHandler(settings.nodeId(), routes, connector, peers,
                                                deadline, silenceMillis));
                    }
                })
                .bind(settings.bind(), settings.port())
                .sync()
                .channel();
        log.info("relay of node {} listening on {} (mutual TLS 1.3 by {}, cluster CA in {})", settings.nodeId(),
                address(), RelayTls.provider() == SslProvider.OPENSSL ? "BoringSSL" : "the JDK", settings.tlsDir());
    }

    /** Sets how long a multiplexed connection may stay silent before the relay checks it (tests); before listen. */
    NodeRelay silence(Duration silence) {
        this.silenceMillis = silence.toMillis();
        return this;
    }

    /** Returns how many connections the relay has accepted since it started. */
    public long acceptedConnections() {
        return accepted.get();
    }

    /** Returns how many of the relay's connections are open now (multiplexed, relaying or deciding). */
    public int openConnections() {
        return open.get();
    }

    /** Returns where the relay listens, or null if it does not. */
    public InetSocketAddress address() {
        return server == null ? null : (InetSocketAddress) server.localAddress();
    }

    /** Stops listening (relayed connections close with the event loops), looking addresses up and at the TLS files. */
    @Override
    public void close() {
        if (server != null && !server.eventLoop().isShuttingDown()) {
            server.close().syncUninterruptibly();
        }
        server = null;
        lookups.shutdownNow();
        tls.close();
    }
}
