package dev.codermon.proxy.pipeline;

import dev.codermon.proxy.http.Refusal;
import dev.codermon.proxy.metrics.AccessLog;
import dev.codermon.proxy.metrics.ProxyMetrics;
import dev.codermon.proxy.upstream.UpstreamLink;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;

/**
 * Builds the front of every client pipeline, the part that protects the rest: the connection cap, the
 * idle timeout, the raw head guard, the HTTP codec (Netty's strict settings), the exchange tracker
 * and the framing enforcer. Everything after it sees only well-framed requests.
 */
public final class ClientFront {

    private static final int MAX_CHUNK_SIZE = 65536;

    private final int maxHeaderCount;
    private final ClientConnections connections;
    private final ProxyMetrics metrics;
    private final AccessLog accessLog;
    /** Netty's strict request parsing, the same for every connection. */
    private final HttpDecoderConfig decoder;
    private final long headerTimeoutNanos;
    private final long httpIdleNanos;
    private final long tunnelIdleNanos;

    public ClientFront(FrontLimits limits, ClientConnections connections, ProxyMetrics metrics, AccessLog accessLog) {
        this.maxHeaderCount = limits.maxHeaderCount();
        this.connections = connections;
        this.metrics = metrics;
        this.accessLog = accessLog;
        this.decoder = new HttpDecoderConfig()
                .setMaxInitialLineLength(limits.maxRequestLine())
                .setMaxHeaderSize(limits.maxHeaderBytes())
                .setMaxChunkSize(MAX_CHUNK_SIZE)
                .setStrictLineParsing(true)
                .setValidateHeaders(true)
                .setAllowDuplicateContentLengths(false)
                .setAllowPartialChunks(true);
        this.headerTimeoutNanos = limits.headerTimeout().toNanos();
        this.httpIdleNanos = limits.httpIdleTimeout().toNanos();
        this.tunnelIdleNanos = limits.tunnelIdleTimeout().toNanos();
    }

    /**
     * Adds the front handlers, or, over the connection cap, only a handler that answers 503 and closes.
     *
     * @return whether the connection was admitted; if not, add nothing else
     */
    boolean addTo(Channel ch, ReadSuspension reads, UpstreamLink upstream) {
        ChannelPipeline p = ch.pipeline();
        if (!connections.admit(ch)) {
            metrics.refused(Refusal.CONNECTION_LIMIT);
            metrics.response(Refusal.CONNECTION_LIMIT.status().code());
            p.addLast(new ClientConnections.AtLimitHandler());
            return false;
        }
        RequestHeadGuard guard = new RequestHeadGuard(headerTimeoutNanos, reads);
        p.addLast(HandlerNames.IDLE, new IdleTimeoutHandler(httpIdleNanos, tunnelIdleNanos, upstream));
        p.addLast(HandlerNames.HEAD_GUARD, guard);
        p.addLast(HandlerNames.HTTP_CODEC, new HttpServerCodec(decoder));
        p.addLast(HandlerNames.EXCHANGE, new ExchangeTracker(metrics, accessLog, guard, reads));
        p.addLast(HandlerNames.FRAMING, new FramingEnforcingHandler(guard, maxHeaderCount));
        return true;
    }
}
