package dev.codermon.proxy.pipeline;

import dev.codermon.proxy.http.RequestTarget;

/**
 * Names the target of an accepted CONNECT: a workspace host on port 80 (plain HTTP inside) or 443
 * (TLS terminated by the proxy).
 */
record Tunnel(String host, int port) {

    static final int HTTPS_PORT = 443;

    /** Returns whether the proxy terminates TLS in this tunnel. */
    boolean tls() {
        return port == HTTPS_PORT;
    }

    /** Returns whether an inner request's authority (from Host or an absolute URI) names this tunnel's target. */
    boolean admits(RequestTarget authority) {
        return host.equals(authority.host()) && (authority.port() == RequestTarget.NO_PORT || authority.port() == port);
    }
}
