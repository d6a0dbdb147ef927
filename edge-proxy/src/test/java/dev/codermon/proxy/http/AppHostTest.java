package dev.codermon.proxy.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.codermon.auth.route.Route;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AppHostTest {

    private static final String WS = "main.alice.codermon.internal";

    @Test
    void a_leading_port_label_names_an_app_of_the_workspace() {
        assertEquals(new AppHost(8501, WS), AppHost.parse("8501." + WS));
        assertEquals(new AppHost(1, WS), AppHost.parse("1." + WS));
        assertEquals(new AppHost(65535, WS), AppHost.parse("65535." + WS));
        assertEquals("8501." + WS, AppHost.parse("8501." + WS).hostname());
    }

    @Test
    void anything_but_a_plain_port_number_is_no_app_host() {
        assertNull(AppHost.parse(WS));
        assertNull(AppHost.parse("08501." + WS));
        assertNull(AppHost.parse("0." + WS));
        assertNull(AppHost.parse("65536." + WS));
        assertNull(AppHost.parse("123456." + WS));
        assertNull(AppHost.parse("85a1." + WS));
        assertNull(AppHost.parse("-85." + WS));
        assertNull(AppHost.parse("8501."));
        assertNull(AppHost.parse("8501"));
        assertNull(AppHost.parse(".8501." + WS));
    }

    @Test
    void denied_ports_are_closed_to_apps_and_others_open() {
        TargetPolicy policy = new TargetPolicy("codermon.internal", Set.of(22, 5432));
        assertEquals(Refusal.APP_PORT_DENIED, policy.checkApp(new AppHost(22, WS)));
        assertEquals(Refusal.APP_PORT_DENIED, policy.checkApp(new AppHost(5432, WS)));
        assertNull(policy.checkApp(new AppHost(8501, WS)));
        // code-server listens on a unix socket: 8080, its old port in containers, is an app port like any other.
        assertNull(policy.checkApp(new AppHost(8080, WS)));
        assertEquals(Refusal.APP_PORT_DENIED, new TargetPolicy("codermon.internal").checkApp(new AppHost(22, WS)));
        assertNull(new TargetPolicy("codermon.internal").check(new RequestTarget("8501." + WS, RequestTarget.NO_PORT,
                "/")));
    }

    @Test
    void code_servers_path_proxy_is_held_to_the_same_closed_ports() {
        TargetPolicy policy = new TargetPolicy("codermon.internal", Set.of(22, 5432));
        Route route = new Route("ws", "alice", WS, "/run/codermon/ws/cs.sock");
        assertEquals(Refusal.APP_PORT_DENIED, policy.checkPathProxy("/proxy/22/", route));
        assertEquals(Refusal.APP_PORT_DENIED, policy.checkPathProxy("/absproxy/5432/db?x=1", route));
        assertEquals(Refusal.APP_PORT_DENIED, policy.checkPathProxy("/proxy/22", route));
        // code-server matches its routes case-insensitively and percent-decodes the port.
        assertEquals(Refusal.APP_PORT_DENIED, policy.checkPathProxy("/PROXY/22/", route));
        assertEquals(Refusal.APP_PORT_DENIED, policy.checkPathProxy("/proxy/%32%32/", route));
        assertEquals(Refusal.APP_PORT_DENIED, policy.checkPathProxy("/proxy/0022/", route));
        // Not a plain port: nothing code-server could proxy to, and nothing to guess about.
        assertEquals(Refusal.APP_PORT_DENIED, policy.checkPathProxy("/proxy/22abc/", route));
        assertEquals(Refusal.APP_PORT_DENIED, policy.checkPathProxy("/proxy/%zz/", route));
        assertEquals(Refusal.APP_PORT_DENIED, policy.checkPathProxy("/proxy/70000/", route));
        assertEquals(Refusal.APP_PORT_DENIED, policy.checkPathProxy("/proxy//", route));
        assertNull(policy.checkPathProxy("/proxy/8501/", route));
        assertNull(policy.checkPathProxy("/absproxy/8501/static/app.js?v=2", route));
        assertNull(policy.checkPathProxy("/", route));
        assertNull(policy.checkPathProxy("/proxyish/22/", route));
        assertNull(policy.checkPathProxy("/static/proxy/22/", route));
    }
}
