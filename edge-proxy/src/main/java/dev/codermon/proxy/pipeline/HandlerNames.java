package dev.codermon.proxy.pipeline;

/** Names the handlers of client and upstream pipelines, so that they are found by name, never by position. */
final class HandlerNames {

    static final String TLS = "tls";
    static final String IDLE = "idle";
    /** Reads raw head bytes; anything that decrypts (TLS) must come before it. */
    static final String HEAD_GUARD = "head-guard";
    static final String HTTP_CODEC = "http-codec";
    static final String EXCHANGE = "exchange";
    static final String FRAMING = "framing";
    static final String SIGN_IN = "sign-in";
    static final String LOGIN = "login";
    static final String AUTHENTICATE = "authenticate";
    static final String SSH = "ssh";
    static final String CONNECT = "connect";
    static final String WEBSOCKET_ORIGIN = "websocket-origin";
    static final String ROUTE = "route";
    static final String FORWARD = "forward";

    static final String RELAY = "relay";

    /** Client-side handlers that go away when a connection switches to a raw relay, codec last. */
    static final String[] CLIENT_HTTP_HANDLERS = {
        FORWARD, ROUTE, WEBSOCKET_ORIGIN, CONNECT, SSH, AUTHENTICATE, LOGIN, SIGN_IN, FRAMING, HTTP_CODEC, HEAD_GUARD,
    };

    private HandlerNames() {
    }
}
