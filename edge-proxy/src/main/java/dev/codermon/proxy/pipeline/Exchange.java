package dev.codermon.proxy.pipeline;

import dev.codermon.proxy.http.RefusalResponse;
import dev.codermon.auth.Principal;
import dev.codermon.proxy.http.RequestTarget;
import dev.codermon.proxy.metrics.AccessLog;
import dev.codermon.proxy.metrics.ProxyMetrics;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.nio.channels.ClosedChannelException;

/**
 * Holds what is known about one request while it is in flight, its one home: made once after decoding
 * ({@link ExchangeTracker}), it flows through the stages in place of the request head; they read its
 * target ({@link ExchangeTarget}, parsed once when it enters them) and fill in who sent it, where it goes
 * or why it was refused; the access log reads it at the end. Its body follows as separate
 * {@code HttpContent} messages (the proxy never aggregates).
 */
final class Exchange {
    final HttpRequest request;
    final String method;
    final String uri;
    final boolean http10;
    /** Whether an HTTP/1.0 client asked to keep the connection (read before forwarding strips it). */
    final boolean keepAlive10;
    final long startNanos = System.nanoTime();
    String host;
    String user;
    String workspace;
    String refusal;
    /** The request's absolute-form target, once a stage that parsed it said so; else null. */
    RequestTarget parsedTarget;
    int status;
    long bytesIn;
    long bytesOut;
    boolean closeAfter;
    /** Whether this exchange's response has begun (or the connection ended): a later answer is not its. */
    boolean responded;
    /** Whether this is a CONNECT that became an SSH tunnel ({@link SshConnectHandler}): logged when it closes. */
    boolean sshTunnel;
    /** The CONNECT tunnel the request arrived in, or null; set with {@link #target}. */
    Tunnel tunnel;
    /** Where the request goes, parsed once when it entered the stages ({@link #enter}); null before. */
    ExchangeTarget target;
    /** Whom the request speaks for, once authenticated; null before (or for a CONNECT without credentials). */
    Principal principal;
    /** Where routing sends the request; null until routed. */
    Forwarding forwarding;
    /** The proxy's own answer, while it waits for its turn; else null. */
    HttpResponse answer;
    ChannelPromise answerPromise;

    Exchange(HttpRequest request) {
        this.request = request;
        this.method = request == null ? null : request.method().name();
        this.uri = request == null ? null : request.uri();
        this.http10 = request != null && request.protocolVersion().equals(HttpVersion.HTTP_1_0);
        this.keepAlive10 = http10 && HttpUtil.isKeepAlive(request);
        // The log names an absolute-form request's host from its target: no header lookup then.
        this.host = uri == null || !uri.startsWith("/") ? null : request.headers().get(HttpHeaderNames.HOST);
    }

    /** Enters the stages: fixes the tunnel the request came in (null outside one) and parses its target. */
    Exchange enter(Tunnel in) {
        tunnel = in;
        target = ExchangeTarget.parse(request, in);
        return this;
    }

    /** Records whom the request speaks for, and returns this exchange. */
    Exchange as(Principal who) {
        principal = who;
        return this;
    }

    /** Returns the host of the CONNECT tunnel this request arrived in, or null outside a tunnel. */
    String tunnelHost() {
        return tunnel == null ? null : tunnel.host();
    }

    /**
     * Records who sent the request and, if known, which workspace it goes to and its absolute-form
     * target as parsed already (which the log then names instead of splitting the raw one).
     */
    void annotate(String who, String workspaceId, RequestTarget parsed) {
        user = who;
        if (workspaceId != null) {
            workspace = workspaceId;
        }
        if (parsed != null) {
            parsedTarget = parsed;
        }
    }

    /** Counts body bytes received from the client. */
    void received(int bytes, ProxyMetrics metrics) {
        if (bytes > 0) {
            bytesIn += bytes;
            metrics.received(bytes);
        }
    }

    /** Counts body bytes sent to the client. */
    void sent(int bytes, ProxyMetrics metrics) {
        if (bytes > 0) {
            bytesOut += bytes;
            metrics.sent(bytes);
        }
    }

    /** Records the final (or 101) response's status, and whether the proxy refused the request. */
    void responseStarted(HttpResponse response, ProxyMetrics metrics) {
        status = response.status().code();
        if (response instanceof RefusalResponse refused) {
            refusal = refused.refusal().reason();
            metrics.refused(refused.refusal());
        } else {
            metrics.upstreamLatency(System.nanoTime() - startNanos);
        }
    }

    boolean isConnect() {
        return method != null && HttpMethod.CONNECT.name().equals(method);
    }

    /**
     * Frames the response head for the client: for HTTP/1.0, and with {@code Connection: close} if the
     * proxy drains.
     *
     * @return whether the connection ends with this response
     */
    boolean frame(HttpResponse response, boolean draining) {
        if (http10) {
            frameForHttp10(response);
        }
        if (draining) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            closeAfter = true;
        }
        return closeAfter || response.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE, true);
    }

    /** Drops the proxy's own answer held for its turn, failing its promise; returns whether there was one. */
    boolean dropAnswer() {
        if (answer == null) {
            return false;
        }
        ReferenceCountUtil.release(answer);
        answer = null;
        answerPromise.tryFailure(new ClosedChannelException());
        return true;
    }

    /** HTTP/1.0 knows no chunked coding: such a body is sent close-delimited; keep-alive must be explicit. */
    private void frameForHttp10(HttpResponse response) {
        if (HttpUtil.isTransferEncodingChunked(response)) {
            HttpUtil.setTransferEncodingChunked(response, false);
            response.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
            closeAfter = true;
        }
        boolean closing = closeAfter || !keepAlive10
                || response.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE, true);
        response.headers().set(HttpHeaderNames.CONNECTION,
                closing ? HttpHeaderValues.CLOSE : HttpHeaderValues.KEEP_ALIVE);
        closeAfter = closing;
    }

    /** Returns the access-log line of this exchange, on the named connection. */
    AccessLog.Entry entry(String connection) {
        String logHost;
        String path;
        if (parsedTarget != null) {
            logHost = parsedTarget.authority();
            path = parsedTarget.originForm();
        } else {
            logHost = host;
            path = uri;
            int authority = path == null ? -1 : RequestTargetParts.authorityStart(path);
            if (authority >= 0) {
                int pathStart = RequestTargetParts.pathStart(path, authority);
                logHost = path.substring(authority, pathStart);
                path = pathStart == path.length() ? "/" : path.substring(pathStart);
            } else if (isConnect()) {
                logHost = path;
                path = null;
            }
        }
        return new AccessLog.Entry(connection, user, workspace, method, logHost, path, status, bytesIn, bytesOut,
                (System.nanoTime() - startNanos) / 1_000_000, refusal);
    }
}
