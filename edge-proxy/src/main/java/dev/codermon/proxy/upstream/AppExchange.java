package dev.codermon.proxy.upstream;

import dev.codermon.proxy.http.AppHost;
import dev.codermon.proxy.http.HopByHopHeaders;
import dev.codermon.proxy.http.RetryableRequests;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import java.util.Locale;

/** One request sent upstream whose response has not finished, as {@link AppRetryHandler} sees it. */
final class AppExchange {

    static final long FIRST_PAUSE_MILLIS = 100;
    /** Shared by every request that is not for an app: nothing about it is ever changed. */
    static final AppExchange NOT_AN_APP = new AppExchange(-1, null, false);

    final int appPort;
    /** A copy of the request to send again, if it may be (idempotent, no body); else null. */
    final HttpRequest retryable;
    final boolean head;
    long deadline;
    long pause = FIRST_PAUSE_MILLIS;

    AppExchange(int appPort, HttpRequest retryable, boolean head) {
        this.appPort = appPort;
        this.retryable = retryable;
        this.head = head;
    }

    /** Returns what to remember about a request written upstream: {@link #NOT_AN_APP} unless it is for an app port. */
    static AppExchange of(HttpRequest request) {
        String host = request.headers().get(HttpHeaderNames.HOST);
        // An app host begins with its port number; a workspace host never does (it begins with a
        // workspace name, which starts with a letter): most requests stop here, without parsing.
        AppHost app = host == null || !startsWithDigit(host) ? null : AppHost.parse(hostOnly(host));
        if (app == null) {
            return NOT_AN_APP;
        }
        boolean retryable = RetryableRequests.isRetryable(request,
                HopByHopHeaders.isWebSocketUpgrade(request.headers()));
        return new AppExchange(app.port(), retryable ? copy(request) : null, HttpMethod.HEAD.equals(request.method()));
    }

    private static boolean startsWithDigit(String host) {
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c != ' ' && c != '\t') {
                return c >= '0' && c <= '9';
            }
        }
        return false;
    }

    private static String hostOnly(String hostHeader) {
        String h = hostHeader.strip().toLowerCase(Locale.ROOT);
        int colon = h.indexOf(':');
        return colon < 0 ? h : h.substring(0, colon);
    }

    static HttpRequest copy(HttpRequest request) {
        return new DefaultHttpRequest(request.protocolVersion(), request.method(), request.uri(),
                request.headers().copy());
    }
}
