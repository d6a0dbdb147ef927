package dev.codermon.proxy.pipeline;

import dev.codermon.proxy.http.AppHost;
import dev.codermon.proxy.http.Refusal;
import dev.codermon.proxy.http.RequestTarget;
import dev.codermon.proxy.http.RequestTarget.MalformedAuthorityException;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;

/**
 * Holds where one request wants to go, parsed once when its {@link Exchange} enters the stages: the
 * CONNECT's authority; an absolute-form {@code http://} target; or, inside a tunnel, an origin-form
 * target with the {@code Host} header's authority. Every stage reads it from here; none parses the
 * request target again.
 */
final class ExchangeTarget {

    private final String uri;
    private final Tunnel tunnel;
    /** The parsed target, or null if it could not be parsed ({@link #refusal} says why). */
    final RequestTarget parsed;
    /** Whether {@link #parsed} is an absolute-form target (not a CONNECT's, not from a Host header). */
    final boolean absolute;
    /** Why the target cannot be used, or null. */
    final Refusal refusal;
    /** The app host ({@code <port>.<workspace-host>}) the target's host names, or null. */
    final AppHost app;

    private ExchangeTarget(String uri, Tunnel tunnel, RequestTarget parsed, boolean absolute, Refusal refusal) {
        this.uri = uri;
        this.tunnel = tunnel;
        this.parsed = parsed;
        this.absolute = absolute;
        this.refusal = refusal;
        String host = host();
        this.app = host == null ? null : AppHost.parse(host);
    }

    /** Parses the request's target, inside the tunnel if not null. */
    static ExchangeTarget parse(HttpRequest request, Tunnel tunnel) {
        String uri = request.uri();
        boolean inTunnel = tunnel != null;
        if (HttpMethod.CONNECT.equals(request.method())) {
            try {
                return new ExchangeTarget(uri, tunnel, RequestTarget.parseAuthority(uri), false, null);
            } catch (IllegalArgumentException e) {
                return new ExchangeTarget(uri, tunnel, null, false, Refusal.MALFORMED_HOST);
            }
        }
        try {
            if (RequestTarget.isAbsoluteForm(uri)) {
                return new ExchangeTarget(uri, tunnel, RequestTarget.parseAbsolute(uri), true, null);
            }
            if (inTunnel && uri.startsWith("/")) {
                String hostHeader = request.headers().get(HttpHeaderNames.HOST);
                if (hostHeader == null) {
                    return new ExchangeTarget(uri, tunnel, null, false, Refusal.TUNNEL_HOST_MISMATCH);
                }
                RequestTarget host = RequestTarget.parseAuthority(hostHeader.strip());
                return new ExchangeTarget(uri, tunnel, new RequestTarget(host.host(), host.port(), uri), false, null);
            }
            return new ExchangeTarget(uri, tunnel, null, false, Refusal.NOT_ABSOLUTE_FORM);
        } catch (MalformedAuthorityException e) {
            return new ExchangeTarget(uri, tunnel, null, RequestTarget.isAbsoluteForm(uri), Refusal.MALFORMED_HOST);
        } catch (IllegalArgumentException e) {
            return new ExchangeTarget(uri, tunnel, null, false,
                    inTunnel ? Refusal.TUNNEL_HOST_MISMATCH : Refusal.NOT_ABSOLUTE_FORM);
        }
    }

    /** Returns the host the request is for (the tunnel's, or the absolute URI's), or null if it names none. */
    String host() {
        if (tunnel != null) {
            return tunnel.host();
        }
        return absolute && parsed != null ? parsed.host() : null;
    }

    /** Returns the request's path and query, or null if its target is not one the proxy accepts. */
    String originForm() {
        if (uri.startsWith("/")) {
            return tunnel == null ? null : uri;
        }
        return absolute && parsed != null ? parsed.originForm() : null;
    }

    /**
     * Returns the query of this request if it is for one of the proxy's own paths (exactly {@code path},
     * after percent-decoding) on a host it names; otherwise null, and then the request is not the proxy's
     * to answer. Requests that cannot name such a path, not even percent-encoded, are told apart at once.
     */
    QueryStringDecoder ownPath(String path) {
        if (!uri.contains("__codermon") && uri.indexOf('%') < 0) {
            return null;
        }
        // A target with an origin form always names its host too (the tunnel's, or the absolute URI's).
        String originForm = originForm();
        if (originForm == null) {
            return null;
        }
        try {
            QueryStringDecoder query = new QueryStringDecoder(originForm);
            if (!query.path().equals(path)) {
                return null;
            }
            query.parameters(); // decoded now, so that a bad escape in the query is caught here too
            return query;
        } catch (IllegalArgumentException e) {
            // A bad percent escape: not a request the proxy can read as its own; the workspace answers it.
            return null;
        }
    }
}
