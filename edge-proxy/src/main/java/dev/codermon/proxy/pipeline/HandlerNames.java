package dev.codermon.proxy.pipeline;

/** Names the handlers of client and upstream pipelines, so that they are found by name, never by position. */
public final class HandlerNames {

    public static final String TLS = "tls";
    public static final String IDLE = "idle";
    /** Reads raw head bytes; anything that decrypts (TLS) must come before it. */
    public static final String HEAD_GUARD = "head-guard";
    public static final String HTTP_CODEC = "http-codec";
    public static final String EXCHANGE = "exchange";
    public static final String FRAMING = "framing";
    public static final String PROXY_AUTH = "proxy-auth";
    public static final String CONNECT = "connect";
    public static final String SIGN_IN = "sign-in";
    public static final String LOGIN = "login";
    public static final String SESSION = "session";
    public static final String WEBSOCKET_ORIGIN = "websocket-origin";
    public static final String ROUTE = "route";
    public static final String FORWARD = "forward";

    public static final String RELAY = "relay";

    /** Client-side handlers that go away when a connection switches to a raw relay, codec last. */
    static final String[] CLIENT_HTTP_HANDLERS = {
        FORWARD, ROUTE, WEBSOCKET_ORIGIN, SESSION, LOGIN, SIGN_IN, CONNECT, PROXY_AUTH, FRAMING, HTTP_CODEC, HEAD_GUARD,
    };

    private HandlerNames() {
    }
}
