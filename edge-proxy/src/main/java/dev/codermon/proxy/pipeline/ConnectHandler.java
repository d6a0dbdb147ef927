package dev.codermon.proxy.pipeline;

import dev.codermon.proxy.http.ErrorResponses;
import dev.codermon.proxy.http.Refusal;
import dev.codermon.proxy.http.RequestTarget;
import dev.codermon.proxy.http.TargetPolicy;
import dev.codermon.proxy.tls.ServerCertificates;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accepts a {@code CONNECT} to a workspace host on port 80 or 443 and keeps parsing the tunnelled
 * bytes as HTTP (after terminating TLS for 443, with a certificate from the local CA), so that every
 * inner request still goes through the authentication, route and forward checks. The CONNECT itself
 * grants nothing: it only fixes the principal (if any) and the host for the inner requests.
 *
 * <p>A CONNECT without credentials is accepted too (port 80 and 443 alike), so that a browser that holds
 * no proxy credentials can still use its session cookie inside: Chromium opens a workbench's
 * {@code ws://} WebSocket as {@code CONNECT <host>:80} without {@code Proxy-Authorization} when the
 * user came through a sign-in link. Each request inside such a tunnel is then exchange on its own
 * ({@link AuthenticateHandler}).
 *
 * <p>The {@code 200} is the CONNECT's answer like any other: written in its turn after earlier
 * pipelined responses, with the tunnel's requests held until then.
 */
final class ConnectHandler extends RequestStageHandler {

    private static final Logger log = LoggerFactory.getLogger(ConnectHandler.class);
    private static final HttpResponseStatus CONNECTION_ESTABLISHED =
            new HttpResponseStatus(200, "Connection Established");

    private final TargetPolicy policy;
    private final ServerCertificates certificates;
    private final ReadSuspension reads;
    private final ConnectionCredentials credentials;

    ConnectHandler(TargetPolicy policy, ServerCertificates certificates, ConnectionCredentials credentials,
            ReadSuspension reads) {
        this.credentials = credentials;
        this.policy = policy;
        this.certificates = certificates;
        this.reads = reads;
    }

    @Override
    void onMessage(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof Exchange exchange)
                || !HttpMethod.CONNECT.equals(exchange.request.method())) {
            ctx.fireChannelRead(msg);
            return;
        }
        RequestTarget target = exchange.target.parsed;
        if (target == null) {
            log.debug("{} CONNECT refused: malformed authority", ctx.channel());
            refuse(ctx, exchange, null, Refusal.MALFORMED_HOST);
            return;
        }
        Refusal refusal = policy.checkConnect(target);
        if (refusal != null) {
            log.debug("{} CONNECT {}:{} refused: {}", ctx.channel(), target.host(), target.port(), refusal.reason());
            refuse(ctx, exchange, null, refusal);
            return;
        }
        if (exchange.principal != null) {
            exchange.annotate(exchange.principal.user(), null, null);
        }
        Tunnel tunnel = new Tunnel(target.host(), target.port());
        log.debug("{} CONNECT {}:{} by {}", ctx.channel(), tunnel.host(), tunnel.port(),
                exchange.principal == null ? "(no credentials)" : exchange.principal.user());
        // The CONNECT's (empty) body end follows; the tunnel's first request comes after it.
        discardBody();
        credentials.enterTunnel(exchange.principal, tunnel);
        if (tunnel.tls()) {
            startTls(ctx, exchange, tunnel);
        } else {
            answer(ctx, exchange, established(), false);
        }
    }

    /**
     * Answers the CONNECT once the host's certificate is ready (and earlier responses are out), then
     * puts TLS in front of the HTTP codec. Reads stay paused and later messages are held until then,
     * so that no TLS byte ever reaches the HTTP decoder.
     */
    private void startTls(ChannelHandlerContext ctx, Exchange exchange, Tunnel tunnel) {
        reads.suspend(ReadSuspension.TLS_SETUP);
        hold();
        certificates.forHost(tunnel.host()).whenCompleteAsync((context, error) -> {
            if (!ctx.channel().isActive()) {
                return;
            }
            if (error != null) {
                log.warn("{} no certificate for {}: {}", ctx.channel(), tunnel.host(), error.toString());
                answer(ctx, exchange, ErrorResponses.create(ctx.alloc(), Refusal.TLS_UNAVAILABLE, false), true);
                return;
            }
            Exchanges.answer(ctx.channel(), exchange, established(), false)
                    .addListener((ChannelFutureListener) written -> {
                        if (!written.isSuccess()) {
                            ctx.close();
                            return;
                        }
                        addTls(ctx, context);
                    });
        }, ctx.executor());
    }

    private void addTls(ChannelHandlerContext ctx, SslContext context) {
        ctx.pipeline().addFirst(HandlerNames.TLS, context.newHandler(ctx.alloc()));
        reads.resume(ReadSuspension.TLS_SETUP);
        endHold();
        handleHeld(ctx);
    }

    private static DefaultFullHttpResponse established() {
        return new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, CONNECTION_ESTABLISHED, Unpooled.EMPTY_BUFFER);
    }
}
