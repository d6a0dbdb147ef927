package dev.codermon.proxy.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.proxy.http.Refusal;
import dev.codermon.proxy.http.RequestTarget;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;

class ExchangeTargetTest {

    private static final String HOST = "main.alice.codermon.internal";

    private static HttpRequest request(HttpMethod method, String uri, String host) {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, uri);
        if (host != null) {
            request.headers().set(HttpHeaderNames.HOST, host);
        }
        return request;
    }

    private static ExchangeTarget parse(HttpMethod method, String uri, String host, Tunnel tunnel) {
        return new Exchange(request(method, uri, host)).enter(tunnel).target;
    }

    @Test
    void absolute_form_target_gives_host_origin_form_and_no_app() {
        ExchangeTarget target = parse(HttpMethod.GET, "http://" + HOST + ":80/a?b=c", HOST, null);
        assertNull(target.refusal);
        assertTrue(target.absolute);
        assertEquals(new RequestTarget(HOST, 80, "/a?b=c"), target.parsed);
        assertEquals(HOST, target.host());
        assertEquals("/a?b=c", target.originForm());
        assertNull(target.app);
    }

    @Test
    void app_host_names_its_port_and_workspace_host() {
        ExchangeTarget target = parse(HttpMethod.GET, "http://8501." + HOST + "/", null, null);
        assertNotNull(target.app);
        assertEquals(8501, target.app.port());
        assertEquals(HOST, target.app.workspaceHost());
    }

    @Test
    void origin_form_outside_a_tunnel_is_refused_as_not_absolute() {
        ExchangeTarget target = parse(HttpMethod.GET, "/a", HOST, null);
        assertEquals(Refusal.NOT_ABSOLUTE_FORM, target.refusal);
        assertNull(target.host());
        assertNull(target.originForm());
    }

    @Test
    void origin_form_in_a_tunnel_takes_the_host_header_authority() {
        Tunnel tunnel = new Tunnel(HOST, Tunnel.HTTPS_PORT);
        ExchangeTarget target = parse(HttpMethod.GET, "/a", HOST + ":443", tunnel);
        assertNull(target.refusal);
        assertFalse(target.absolute);
        assertEquals(new RequestTarget(HOST, 443, "/a"), target.parsed);
        assertEquals(HOST, target.host());
        assertEquals("/a", target.originForm());
    }

    @Test
    void tunnel_request_without_or_with_a_malformed_host_header_is_refused() {
        Tunnel tunnel = new Tunnel(HOST, 80);
        assertEquals(Refusal.TUNNEL_HOST_MISMATCH, parse(HttpMethod.GET, "/a", null, tunnel).refusal);
        assertEquals(Refusal.MALFORMED_HOST, parse(HttpMethod.GET, "/a", "[" + HOST + "]", tunnel).refusal);
        // The tunnel still names the host, so the proxy's own paths and the session cookie can be checked.
        assertEquals(HOST, parse(HttpMethod.GET, "/a", null, tunnel).host());
    }

    @Test
    void malformed_authorities_and_other_schemes_are_told_apart() {
        assertEquals(Refusal.MALFORMED_HOST, parse(HttpMethod.GET, "http://user@" + HOST + "/", null, null).refusal);
        assertEquals(Refusal.NOT_ABSOLUTE_FORM, parse(HttpMethod.GET, "https://" + HOST + "/", null, null).refusal);
        assertEquals(Refusal.TUNNEL_HOST_MISMATCH,
                parse(HttpMethod.GET, "https://" + HOST + "/", null, new Tunnel(HOST, 80)).refusal);
    }

    @Test
    void connect_target_is_its_authority_and_names_no_host_for_the_stages() {
        ExchangeTarget target = parse(HttpMethod.CONNECT, HOST + ":443", null, null);
        assertNull(target.refusal);
        assertEquals(new RequestTarget(HOST, 443, "/"), target.parsed);
        assertNull(target.host());
        assertNull(target.originForm());
        assertEquals(Refusal.MALFORMED_HOST, parse(HttpMethod.CONNECT, "user@" + HOST + ":443", null, null).refusal);
    }

    @Test
    void own_path_is_found_after_percent_decoding_only_for_exactly_that_path() {
        assertNotNull(parse(HttpMethod.GET, "http://" + HOST + "/__codermon/auth?token=t", null, null)
                .ownPath("/__codermon/auth"));
        assertNotNull(parse(HttpMethod.GET, "http://" + HOST + "/%5F%5Fcodermon/auth?token=t", null, null)
                .ownPath("/__codermon/auth"));
        assertNull(parse(HttpMethod.GET, "http://" + HOST + "/__codermon/authx", null, null)
                .ownPath("/__codermon/auth"));
        assertNull(parse(HttpMethod.GET, "/__codermon/auth", HOST, null).ownPath("/__codermon/auth"));
    }
}
