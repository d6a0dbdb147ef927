package dev.codermon.proxy.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SessionCookieTest {

    private static HttpHeaders cookies(String... values) {
        HttpHeaders headers = new DefaultHttpHeaders();
        for (String value : values) {
            headers.add("Cookie", value);
        }
        return headers;
    }

    @Test
    void own_cookie_is_taken_out_and_the_others_are_kept_in_order() {
        HttpHeaders headers = cookies("a=1; codermon_session=abc; b=2");
        assertEquals("abc", SessionCookie.strip(headers));
        assertEquals(List.of("a=1; b=2"), headers.getAll("Cookie"));
    }

    @Test
    void a_header_holding_only_our_cookie_is_dropped() {
        HttpHeaders headers = cookies("codermon_session=abc", "x=y");
        assertEquals("abc", SessionCookie.strip(headers));
        assertEquals(List.of("x=y"), headers.getAll("Cookie"));
    }

    @Test
    void every_copy_is_removed_and_the_first_is_returned() {
        HttpHeaders headers = cookies("codermon_session=first; codermon_session=second;a=1");
        assertEquals("first", SessionCookie.strip(headers));
        assertEquals(List.of("a=1"), headers.getAll("Cookie"));
    }

    @Test
    void quoted_value_is_unquoted() {
        assertEquals("abc", SessionCookie.strip(cookies("codermon_session=\"abc\"")));
    }

    @Test
    void similar_names_are_not_ours() {
        HttpHeaders headers = cookies("codermon_session_x=1; xcodermon_session=2");
        assertNull(SessionCookie.strip(headers));
        assertEquals(List.of("codermon_session_x=1; xcodermon_session=2"), headers.getAll("Cookie"));
    }

    @Test
    void no_cookie_header_is_left_alone() {
        HttpHeaders headers = new DefaultHttpHeaders();
        assertNull(SessionCookie.strip(headers));
        assertFalse(headers.contains("Cookie"));
    }

    @Test
    void set_cookie_is_host_only_http_only_lax_and_secure_over_tls() {
        String tls = SessionCookie.set("v", Duration.ofHours(12), true);
        assertEquals("codermon_session=v; Max-Age=43200; Path=/; HttpOnly; SameSite=Lax; Secure", tls);
        String plain = SessionCookie.set("v", Duration.ofHours(1), false);
        assertFalse(plain.contains("Secure"));
        assertFalse(plain.contains("Domain"));
        assertTrue(plain.contains("Max-Age=3600"));
    }
}
