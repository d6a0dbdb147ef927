package dev.codermon.proxy.pipeline;

import dev.codermon.auth.Principal;
import dev.codermon.proxy.access.ProxyAuthenticator;
import dev.codermon.proxy.access.ProxyAuthenticator.AuthenticationException;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;

/**
 * Resolves whom a request of one client connection speaks for by the credentials the connection itself
 * carries: its {@code Proxy-Authorization} header, or, inside an accepted CONNECT tunnel, the CONNECT's
 * principal. Shared by the stages that need a principal (the login path, then {@link AuthenticateHandler}),
 * so that both decide alike. Every principal it returns, and every session principal, passes the one
 * expiry and revocation check ({@link ProxyAuthenticator#requireValid}).
 *
 * <p>A busy connection sends the same header with every request: the last one that verified is kept,
 * and a request carrying exactly that header reuses its principal without decoding it or looking it up in
 * the authenticator's cache again (measured: the cache lookup, which hashes the whole header, was about 4%
 * of the proxy's CPU for small requests). Expiry and revocation are still checked on every request.
 */
final class ConnectionCredentials {

    private final ProxyAuthenticator authenticator;
    /** The accepted CONNECT's target once the connection is a tunnel; else null. */
    private Tunnel tunnel;
    /** The CONNECT's principal inside a tunnel; null for a tunnel opened without credentials. */
    private Principal tunnelPrincipal;
    /** The last header that verified on this connection, and whom it speaks for; null before one did. */
    private String lastHeader;
    private Principal lastPrincipal;

    ConnectionCredentials(ProxyAuthenticator authenticator) {
        this.authenticator = authenticator;
    }

    /** Creates the credentials of a connection that is a tunnel already (the principal may be null). */
    static ConnectionCredentials inTunnel(ProxyAuthenticator authenticator, Principal principal, Tunnel tunnel) {
        ConnectionCredentials credentials = new ConnectionCredentials(authenticator);
        credentials.enterTunnel(principal, tunnel);
        return credentials;
    }

    /** Authenticates the requests that follow by the CONNECT's principal (null if it had no credentials). */
    void enterTunnel(Principal principal, Tunnel target) {
        tunnel = target;
        tunnelPrincipal = principal;
    }

    /** Returns the tunnel the connection became, or null. */
    Tunnel tunnel() {
        return tunnel;
    }

    /**
     * Returns whom the request's header, or the tunnel it came in, speaks for, still valid; null if
     * neither carries credentials. Removes the header once it was accepted.
     *
     * @throws AuthenticationException if the credentials are invalid, expired or revoked
     */
    Principal resolve(HttpRequest request) throws AuthenticationException {
        String header = request.headers().get(HttpHeaderNames.PROXY_AUTHORIZATION);
        boolean none = header == null || header.isBlank();
        Principal principal;
        if (tunnelPrincipal != null) {
            requireValid(tunnelPrincipal);
            principal = tunnelPrincipal;
        } else if (none) {
            return null;
        } else if (lastPrincipal != null && header.equals(lastHeader)) {
            requireValid(lastPrincipal);
            principal = lastPrincipal;
        } else {
            lastPrincipal = null;
            principal = authenticator.authenticate(header);
            lastHeader = header;
            lastPrincipal = principal;
        }
        request.headers().remove(HttpHeaderNames.PROXY_AUTHORIZATION);
        return principal;
    }

    /**
     * Checks that a principal (a tunnel's, or a session's) is unexpired and unrevoked.
     *
     * @throws AuthenticationException if it is not
     */
    void requireValid(Principal principal) throws AuthenticationException {
        authenticator.requireValid(principal);
    }
}
