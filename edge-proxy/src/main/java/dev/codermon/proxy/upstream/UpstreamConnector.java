package dev.codermon.proxy.upstream;

import dev.codermon.auth.route.Route;
import dev.codermon.proxy.pipeline.HandlerNames;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;

/**
 * Opens connections to workspace upstreams on the client channel's own event loop, so that both
 * sides of a proxied exchange run on one thread.
 */
public final class UpstreamConnector {

    /**
     * Response heads are parsed strictly (no duplicate {@code Content-Length}, valid header names and
     * values): a response the proxy cannot frame exactly is refused, never relayed. Its header section
     * may be larger than a request's, since workspaces send long security policies.
     */
    private static final HttpDecoderConfig RESPONSE_DECODER = new HttpDecoderConfig()
            .setMaxInitialLineLength(8 * 1024)
            .setMaxHeaderSize(64 * 1024)
            .setMaxChunkSize(64 * 1024)
            .setValidateHeaders(true)
            .setAllowDuplicateContentLengths(false);

    private final ChannelFactory<? extends Channel> channelFactory;
    private final int connectTimeoutMillis;
    private final WriteBufferWaterMark waterMark;

    public UpstreamConnector(ChannelFactory<? extends Channel> channelFactory, int connectTimeoutMillis,
            WriteBufferWaterMark waterMark) {
        this.channelFactory = channelFactory;
        this.connectTimeoutMillis = connectTimeoutMillis;
        this.waterMark = waterMark;
    }

    /** Connects to the route's upstream with an HTTP client codec followed by the response handler. */
    public ChannelFuture connect(Channel client, Route route, ChannelHandler responseHandler) {
        return new Bootstrap()
                .group(client.eventLoop())
                .channelFactory(channelFactory)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline()
                                .addLast(HandlerNames.UPSTREAM_CODEC, new HttpClientCodec(RESPONSE_DECODER, false, false))
                                .addLast(HandlerNames.UPSTREAM_RESPONSE, responseHandler);
                    }
                })
                .connect(route.upstreamHost(), route.upstreamPort());
    }
}
