package dev.codermon.proxy.pipeline;

import dev.codermon.auth.Principal;
import dev.codermon.proxy.http.RequestTarget;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;

/**
 * Carries a request head through the checking stages. Its body follows as separate
 * {@code HttpContent} messages (the proxy never aggregates).
 *
 * @param principal whom the request speaks for; null until a session cookie or sign-in link is checked
 *                  (only {@link AuthenticateHandler} decides it; a CONNECT may go on without one)
 * @param tunnel    the CONNECT tunnel this request arrived in, or null outside a tunnel
 * @param exchange  the request's exchange, which the stages tell who sent it and where it goes
 */
record AuthenticatedRequest(HttpRequest request, Principal principal, Tunnel tunnel, Exchange exchange) {

    /** Returns the host of the CONNECT tunnel this request arrived in, or null outside a tunnel. */
    String tunnelHost() {
        return tunnel == null ? null : tunnel.host();
    }

    /** Returns the host the request is for (the tunnel's, or the absolute URI's), or null if it names none. */
    String targetHost() {
        if (tunnel != null) {
            return tunnel.host();
        }
        try {
            return RequestTarget.isAbsoluteForm(request.uri()) ? RequestTarget.parseAbsolute(request.uri()).host() : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Returns the request's path and query, or null if its target is not one the proxy accepts. */
    String originForm() {
        String uri = request.uri();
        if (uri.startsWith("/")) {
            return tunnel == null ? null : uri;
        }
        try {
            return RequestTarget.isAbsoluteForm(uri) ? RequestTarget.parseAbsolute(uri).originForm() : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * Returns the query of this request if it is for one of the proxy's own paths under
     * {@code /__codermon} (exactly {@code path}, after percent-decoding) on a host it names; otherwise
     * null, and then the request is not the proxy's to answer. Requests that cannot name such a path,
     * not even percent-encoded, are told apart without parsing their target again.
     */
    QueryStringDecoder ownPath(String path) {
        String uri = request.uri();
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

    /** Returns this request as spoken for by the principal. */
    AuthenticatedRequest as(Principal who) {
        return new AuthenticatedRequest(request, who, tunnel, exchange);
    }
}
