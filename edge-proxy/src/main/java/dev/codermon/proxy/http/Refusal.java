package dev.codermon.proxy.http;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.Objects;

/**
 * Names why the proxy answers a request itself instead of forwarding it.
 *
 * @param status the HTTP status of the answer
 * @param reason one short line a person can act on; never contains credentials
 */
public record Refusal(HttpResponseStatus status, String reason) {

    public static final Refusal MALFORMED_REQUEST =
            new Refusal(HttpResponseStatus.BAD_REQUEST, "malformed request");
    public static final Refusal NOT_ABSOLUTE_FORM =
            new Refusal(HttpResponseStatus.BAD_REQUEST, "request target must be an absolute http:// URL");
    public static final Refusal HOST_HEADER_MISMATCH =
            new Refusal(HttpResponseStatus.BAD_REQUEST, "Host header does not match the request URL");
    /** An authority (URL, Host header or CONNECT target) that is not {@code host[:port]} with a well-formed host. */
    public static final Refusal MALFORMED_HOST = new Refusal(HttpResponseStatus.BAD_REQUEST, "malformed host");
    public static final Refusal NESTED_CONNECT =
            new Refusal(HttpResponseStatus.BAD_REQUEST, "CONNECT inside a tunnel is not supported");

    public static final Refusal AMBIGUOUS_FRAMING = new Refusal(HttpResponseStatus.BAD_REQUEST,
            "invalid request framing: send one numeric Content-Length or Transfer-Encoding: chunked");
    public static final Refusal FOLDED_HEADER =
            new Refusal(HttpResponseStatus.BAD_REQUEST, "folded (obs-fold) header lines are not allowed");
    public static final Refusal BAD_REQUEST_TARGET =
            new Refusal(HttpResponseStatus.BAD_REQUEST, "request target contains control characters");
    public static final Refusal DUPLICATE_HOST =
            new Refusal(HttpResponseStatus.BAD_REQUEST, "more than one Host header");
    public static final Refusal HTTP_VERSION = new Refusal(HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED,
            "only HTTP/1.1 and HTTP/1.0 are supported");
    public static final Refusal REQUEST_LINE_TOO_LONG =
            new Refusal(HttpResponseStatus.REQUEST_URI_TOO_LONG, "request line too long");
    public static final Refusal HEADERS_TOO_LARGE = new Refusal(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
            "request header section too large");
    public static final Refusal TOO_MANY_HEADERS = new Refusal(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
            "too many request header fields");
    public static final Refusal HEADER_TIMEOUT =
            new Refusal(HttpResponseStatus.REQUEST_TIMEOUT, "request headers were not received in time");

    public static final Refusal AUTH_REQUIRED =
            new Refusal(HttpResponseStatus.PROXY_AUTHENTICATION_REQUIRED, "proxy authentication required");

    public static final Refusal FOREIGN_HOST = new Refusal(HttpResponseStatus.FORBIDDEN,
            "only Codermon workspace hosts are reachable through this proxy");
    public static final Refusal IP_LITERAL = new Refusal(HttpResponseStatus.FORBIDDEN,
            "IP addresses are not reachable through this proxy; use a workspace host name");
    public static final Refusal LOCALHOST = new Refusal(HttpResponseStatus.FORBIDDEN,
            "localhost is not reachable through this proxy");
    public static final Refusal WRONG_PORT = new Refusal(HttpResponseStatus.FORBIDDEN,
            "only port 80 of workspace hosts is reachable through this proxy");
    public static final Refusal CONNECT_TARGET = new Refusal(HttpResponseStatus.FORBIDDEN,
            "CONNECT is only allowed to workspace hosts on port 80 or 443");
    public static final Refusal TUNNEL_HOST_MISMATCH = new Refusal(HttpResponseStatus.FORBIDDEN,
            "Host does not match the CONNECT target");
    public static final Refusal NO_ROUTE = new Refusal(HttpResponseStatus.FORBIDDEN,
            "no running workspace of yours at this host");
    public static final Refusal APP_PORT_DENIED = new Refusal(HttpResponseStatus.FORBIDDEN,
            "this port is closed to apps by the proxy's deny list (--deny-app-ports)");

    public static final Refusal PATH_PROXY_CLOSED = new Refusal(HttpResponseStatus.FORBIDDEN,
            "code-server's path proxy is closed: open the app at http://<port>.<workspace host>/ instead");
    public static final Refusal WORKSPACE_FILE_PAGE = new Refusal(HttpResponseStatus.FORBIDDEN,
            "workspace files are not opened as pages on the IDE's origin; open them in the IDE or serve them"
            + " from an app port");
    public static final Refusal CROSS_SITE_REQUEST = new Refusal(HttpResponseStatus.FORBIDDEN,
            "a page of another site (or another workspace host) may not use the IDE; open the workspace's"
            + " address yourself");
    public static final Refusal AMBIGUOUS_SESSION_COOKIE = new Refusal(HttpResponseStatus.BAD_REQUEST,
            "more than one Codermon session cookie for this host: clear this host's cookies in your browser and"
            + " open the workspace again from the Codermon console");
    public static final Refusal SIGN_IN_FOREIGN_ORIGIN = new Refusal(HttpResponseStatus.FORBIDDEN,
            "this sign-in was not confirmed on the workspace host's own page; open the sign-in link again");

    public static final Refusal TOKEN_REVOKED = authentication("token revoked");
    public static final Refusal SIGN_IN_REQUIRED = new Refusal(HttpResponseStatus.FORBIDDEN,
            "sign in through a Codermon link");
    public static final Refusal SIGN_IN_LINK_USED = new Refusal(HttpResponseStatus.FORBIDDEN,
            "this sign-in link was already used");
    public static final Refusal SIGN_IN_LINK_OTHER_HOST = new Refusal(HttpResponseStatus.FORBIDDEN,
            "this sign-in link is for another workspace host");
    public static final Refusal SIGN_IN_LINK_REVOKED = new Refusal(HttpResponseStatus.FORBIDDEN,
            "this sign-in link was revoked");
    /** The proxy's login path without proxy credentials: the browser answers with its credentials, if it has any. */
    public static final Refusal LOGIN_CREDENTIALS_REQUIRED = authentication(
            "proxy authentication required: answer with your Codermon proxy credentials, or open the workspace"
            + " from the Codermon console");
    public static final Refusal SIGN_IN_CODE_EXPIRED = new Refusal(HttpResponseStatus.FORBIDDEN,
            "this sign-in code is unknown or has expired; open the workspace address again");
    public static final Refusal SIGN_IN_CODE_USED = new Refusal(HttpResponseStatus.FORBIDDEN,
            "this sign-in code was already used; open the workspace address again");
    public static final Refusal SIGN_IN_CODE_OTHER_HOST = new Refusal(HttpResponseStatus.FORBIDDEN,
            "this sign-in code is for another workspace host");
    public static final Refusal SIGN_IN_CODE_REVOKED = new Refusal(HttpResponseStatus.FORBIDDEN,
            "this sign-in code was revoked");
    public static final Refusal FOREIGN_WEBSOCKET_ORIGIN = new Refusal(HttpResponseStatus.FORBIDDEN,
            "WebSocket Origin does not match the workspace");
    public static final Refusal TLS_UNAVAILABLE = new Refusal(HttpResponseStatus.SERVICE_UNAVAILABLE,
            "cannot create a TLS certificate for this host");

    public static final Refusal STORE_UNAVAILABLE =
            new Refusal(HttpResponseStatus.SERVICE_UNAVAILABLE, "route store unavailable");
    public static final Refusal UPSTREAM_DOWN =
            new Refusal(HttpResponseStatus.BAD_GATEWAY, "workspace is not answering");
    /** Stands for every "nothing listens on this app port" answer; the body names the port. */
    public static final Refusal APP_NOT_LISTENING = new Refusal(HttpResponseStatus.BAD_GATEWAY,
            "nothing is listening on this port in your workspace yet; it may still be starting");
    public static final Refusal UPSTREAM_MALFORMED =
            new Refusal(HttpResponseStatus.BAD_GATEWAY, "workspace sent a malformed response");
    public static final Refusal UPSTREAM_TIMEOUT =
            new Refusal(HttpResponseStatus.GATEWAY_TIMEOUT, "workspace did not answer in time");

    public static final Refusal CONNECTION_LIMIT =
            new Refusal(HttpResponseStatus.SERVICE_UNAVAILABLE, "proxy is at its connection limit");

    public Refusal {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(reason, "reason");
    }

    /** Returns a 407 refusal carrying the given short reason. */
    public static Refusal authentication(String reason) {
        return new Refusal(HttpResponseStatus.PROXY_AUTHENTICATION_REQUIRED, reason);
    }

    /** Returns a 403 refusal of a sign-in link whose token did not verify, with the verifier's short reason. */
    public static Refusal invalidSignInLink(String reason) {
        return new Refusal(HttpResponseStatus.FORBIDDEN, "invalid sign-in link: " + reason);
    }

    /** Returns whether the client may retry on the same connection (after a 407 challenge). */
    public boolean keepsConnection() {
        return status.code() == HttpResponseStatus.PROXY_AUTHENTICATION_REQUIRED.code();
    }
}
