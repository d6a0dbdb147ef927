package dev.codermon.proxy.upstream;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;

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
    static AppExchange of(ForwardedRequest forwarded) {
        if (forwarded.appPort() < 0) {
            return NOT_AN_APP;
        }
        HttpRequest request = forwarded.request();
        return new AppExchange(forwarded.appPort(), forwarded.retryable() ? copy(request) : null,
                HttpMethod.HEAD.equals(request.method()));
    }

    static HttpRequest copy(HttpRequest request) {
        return new DefaultHttpRequest(request.protocolVersion(), request.method(), request.uri(),
                request.headers().copy());
    }
}
