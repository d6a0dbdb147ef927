package dev.codermon.proxy.pipeline;

/** Names the handlers of client and upstream pipelines, so that they are found by name, never by position. */
public final class HandlerNames {

    public static final String HTTP_CODEC = "http-codec";
    public static final String BAD_REQUEST = "bad-request";
    public static final String PROXY_AUTH = "proxy-auth";
    public static final String CONNECT = "connect";
    public static final String ROUTE = "route";
    public static final String FORWARD = "forward";

    public static final String UPSTREAM_CODEC = "upstream-codec";
    public static final String UPSTREAM_RESPONSE = "upstream-response";

    public static final String RELAY = "relay";

    /** Client-side handlers that go away when a connection switches to a raw relay, codec last. */
    static final String[] CLIENT_HTTP_HANDLERS = {FORWARD, ROUTE, CONNECT, PROXY_AUTH, BAD_REQUEST, HTTP_CODEC};

    /** Upstream handlers that go away when a connection switches to a raw relay, codec last. */
    static final String[] UPSTREAM_HTTP_HANDLERS = {UPSTREAM_RESPONSE, UPSTREAM_CODEC};

    private HandlerNames() {
    }
}
