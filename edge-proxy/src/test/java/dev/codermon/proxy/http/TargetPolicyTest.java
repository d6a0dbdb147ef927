package dev.codermon.proxy.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class TargetPolicyTest {

    private final TargetPolicy policy = new TargetPolicy("codermon.internal");

    private Refusal check(String url) {
        return policy.check(RequestTarget.parseAbsolute(url));
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://main.alice.codermon.internal/", "http://main.alice.codermon.internal:80/x",
        "http://MAIN.Alice.codermon.internal/", "http://main.alice.codermon.internal./"})
    void workspace_hosts_on_port_80_are_allowed(String url) {
        assertNull(check(url));
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://127.0.0.1/", "http://127.0.0.1:5001/", "http://2130706433/",
        "http://0x7f000001/", "http://0x7f.0.0.1/", "http://0177.0.0.1/", "http://127.1/", "http://[::1]/",
        "http://[::ffff:127.0.0.1]:80/", "http://[0:0:0:0:0:0:0:1]/", "http://10.0.0.1/", "http://172.17.0.2/"})
    void ip_literals_in_every_notation_are_refused(String url) {
        assertEquals(Refusal.IP_LITERAL, check(url));
    }

    /** Literals only: no test ever sends a packet to these addresses. */
    @ParameterizedTest
    @ValueSource(strings = {"http://169.254.169.254/", "http://169.254.169.254/latest/meta-data/",
        "http://2852039166/", "http://0xa9fea9fe/", "http://0xA9.0xFE.0xA9.0xFE/", "http://0251.0376.0251.0376/",
        "http://169.254.43518/", "http://[::ffff:169.254.169.254]/", "http://[::ffff:a9fe:a9fe]/",
        "http://[fd00:ec2::254]/", "http://100.100.100.200/", "http://192.0.0.192/", "http://10.0.0.1:8080/",
        "http://192.168.0.1/", "http://172.16.0.1/", "http://0.0.0.0/", "http://0/", "http://[::]/",
        "http://[fe80::a9fe:a9fe%25eth0]/"})
    void cloud_metadata_and_private_range_literals_are_refused(String url) {
        assertEquals(Refusal.IP_LITERAL, check(url));
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://metadata.google.internal/", "http://metadata/", "http://instance-data/",
        "http://metadata.azure.internal/"})
    void cloud_metadata_names_are_foreign_hosts(String url) {
        assertEquals(Refusal.FOREIGN_HOST, check(url));
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://localhost/", "http://localhost:5001/", "http://LOCALHOST/",
        "http://main.alice.localhost/"})
    void localhost_is_refused(String url) {
        assertEquals(Refusal.LOCALHOST, check(url));
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://example.com/", "http://evil-codermon.internal/",
        "http://codermon.internal.evil.com/", "http://codermon.internal/", "http://xcodermon.internal/",
        "http://main.alice.codermon.internal.evil.com/", "http://main_alice.codermon.internal/",
        "http://-bad.codermon.internal/", "http://a..codermon.internal/"})
    void foreign_and_look_alike_hosts_are_refused(String url) {
        assertEquals(Refusal.FOREIGN_HOST, check(url));
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://main.alice.codermon.internal:5001/", "http://main.alice.codermon.internal:443/",
        "http://main.alice.codermon.internal:8080/"})
    void other_ports_are_refused(String url) {
        assertEquals(Refusal.WRONG_PORT, check(url));
    }

    @Test
    void connect_needs_port_80_or_443_on_a_workspace_host() {
        assertNull(policy.checkConnect(RequestTarget.parseAuthority("main.alice.codermon.internal:80")));
        assertNull(policy.checkConnect(RequestTarget.parseAuthority("main.alice.codermon.internal:443")));
        assertEquals(Refusal.CONNECT_TARGET,
                policy.checkConnect(RequestTarget.parseAuthority("main.alice.codermon.internal:8443")));
        assertEquals(Refusal.CONNECT_TARGET, policy.checkConnect(RequestTarget.parseAuthority("example.com:443")));
        assertEquals(Refusal.CONNECT_TARGET, policy.checkConnect(RequestTarget.parseAuthority("127.0.0.1:443")));
        assertEquals(Refusal.CONNECT_TARGET,
                policy.checkConnect(RequestTarget.parseAuthority("main.alice.codermon.internal")));
        assertEquals(Refusal.CONNECT_TARGET, policy.checkConnect(RequestTarget.parseAuthority("example.com:80")));
        assertEquals(Refusal.CONNECT_TARGET, policy.checkConnect(RequestTarget.parseAuthority("127.0.0.1:80")));
    }

    @Test
    void urls_with_user_info_or_other_schemes_do_not_parse() {
        assertThrows(IllegalArgumentException.class,
                () -> RequestTarget.parseAbsolute("http://main.alice.codermon.internal@evil.com/"));
        assertThrows(IllegalArgumentException.class,
                () -> RequestTarget.parseAbsolute("https://main.alice.codermon.internal/"));
        assertThrows(IllegalArgumentException.class,
                () -> RequestTarget.parseAbsolute("http://main.alice.codermon.internal:99999/"));
        assertThrows(IllegalArgumentException.class, () -> RequestTarget.parseAbsolute("http:///path"));
    }

    @Test
    void absolute_form_becomes_origin_form() {
        assertEquals("/", RequestTarget.parseAbsolute("http://main.alice.codermon.internal").originForm());
        assertEquals("/?q=1", RequestTarget.parseAbsolute("http://main.alice.codermon.internal?q=1").originForm());
        assertEquals("/a/b?q=1",
                RequestTarget.parseAbsolute("http://main.alice.codermon.internal:80/a/b?q=1#frag").originForm());
    }
}
