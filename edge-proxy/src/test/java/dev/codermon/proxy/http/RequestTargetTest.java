package dev.codermon.proxy.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.proxy.http.RequestTarget.MalformedAuthorityException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RequestTargetTest {

    private final TargetPolicy policy = new TargetPolicy("codermon.internal");

    @ParameterizedTest
    @ValueSource(strings = {"[main.alice.codermon.internal]", "[main.alice.codermon.internal]:80",
        "[main.alice.codermon.internal]:443", "[MAIN.alice.codermon.internal.]", "[127.0.0.1]", "[localhost]",
        "[]", "[:]", "[::1", "[::1]x", "[::1]:", "[::1]:0", "[v1.fe]", "[1:2:3:4:5:6:7:8:9]", "[1::2::3]",
        "[12345::1]", "[::1.2.3]", "[::256.1.1.1]", "[1.2.3.4::]", "[1.2.3.4::1]", "[::1.2.3.4:5]", "[fe80::1%lo]", "[fe80::1%25]", "[g::1]",
        "::1", "::ffff:127.0.0.1", "main.alice.codermon.internal:", "main.alice.codermon.internal:0",
        "main.alice.codermon.internal:65536", "main.alice.codermon.internal:-1", "main.alice.codermon.internal:8 0",
        "main.alice.codermon.internal:80:80", "alice@main.alice.codermon.internal", "main.alice.codermon.internal]",
        "main[alice].codermon.internal", "main alice.codermon.internal", "main\\alice.codermon.internal",
        "main.alice.codermon.internal/", "main.%zz.codermon.internal", "main.alice.codermon.internal%2",
        "m\u00e4in.alice.codermon.internal", "\"main.alice.codermon.internal\"", ":80", ".", ""})
    void malformed_authorities_are_refused_not_matched_as_names(String authority) {
        assertThrows(MalformedAuthorityException.class, () -> RequestTarget.parseAuthority(authority));
    }

    @ParameterizedTest
    @ValueSource(strings = {"[main.alice.codermon.internal]", "[main.alice.codermon.internal]:80", "[]",
        "alice@main.alice.codermon.internal", "main.alice.codermon.internal:0", ""})
    void absolute_urls_with_malformed_authorities_are_refused(String authority) {
        assertThrows(MalformedAuthorityException.class,
                () -> RequestTarget.parseAbsolute("http://" + authority + "/"));
    }

    @Test
    void a_url_that_is_not_http_is_not_called_a_malformed_host() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RequestTarget.parseAbsolute("https://main.alice.codermon.internal/"));
        assertFalse(e instanceof MalformedAuthorityException, e.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"[::1]", "[::]", "[0:0:0:0:0:0:0:1]", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]",
        "[1:2:3:4:5:6:7::]", "[1:2:3:4:5:6:1.2.3.4]", "[fe80::a9fe:a9fe%25eth0]", "[FD00:EC2::254]:80",
        "[0000:0000:0000:0000:0000:ffff:7f00:0001]:443"})
    void ipv6_literals_parse_and_are_refused_by_the_policy(String authority) {
        RequestTarget target = RequestTarget.parseAuthority(authority);
        assertTrue(target.host().indexOf(':') >= 0, target.host());
        assertFalse(target.host().contains("["), target.host());
        assertEquals(Refusal.IP_LITERAL, policy.check(target));
    }

    @Test
    void a_workspace_host_parses_with_and_without_its_port() {
        assertEquals(new RequestTarget("main.alice.codermon.internal", RequestTarget.NO_PORT, "/"),
                RequestTarget.parseAuthority("Main.Alice.codermon.internal."));
        assertEquals(new RequestTarget("main.alice.codermon.internal", 443, "/"),
                RequestTarget.parseAuthority("main.alice.codermon.internal:443"));
        assertEquals(new RequestTarget("3000.main.alice.codermon.internal", 80, "/x?y"),
                RequestTarget.parseAbsolute("http://3000.main.alice.codermon.internal:80/x?y"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"main%2ealice.codermon.internal", "main_x.alice.codermon.internal", "a,b.codermon.internal",
        "main.alice.codermon.internal.evil", "127.0.0.1", "0x7f000001"})
    void well_formed_names_outside_the_workspace_domain_are_left_to_the_policy(String authority) {
        RequestTarget target = RequestTarget.parseAuthority(authority);
        assertInstanceOf(Refusal.class, policy.check(target), authority);
    }

    @Test
    void malformed_host_is_a_400_with_a_short_reason() {
        assertEquals(400, Refusal.MALFORMED_HOST.status().code());
        assertEquals("malformed host", Refusal.MALFORMED_HOST.reason());
    }
}
