package dev.codermon.proxy.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
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
        assertEquals("abc", SessionCookie.strip(headers, false));
        assertEquals(List.of("a=1; b=2"), headers.getAll("Cookie"));
    }

    @Test
    void a_header_holding_only_our_cookie_is_dropped() {
        HttpHeaders headers = cookies("codermon_session=abc", "x=y");
        assertEquals("abc", SessionCookie.strip(headers, false));
        assertEquals(List.of("x=y"), headers.getAll("Cookie"));
    }

    @Test
    void several_session_cookies_are_ambiguous_and_every_copy_is_removed() {
        HttpHeaders headers = cookies("codermon_session=first; codermon_session=second;a=1");
        assertSame(SessionCookie.AMBIGUOUS, SessionCookie.strip(headers, false));
        assertEquals(List.of("a=1"), headers.getAll("Cookie"));
        HttpHeaders split = cookies("codermon_session=first", "b=2; codermon_session=tossed");
        assertSame(SessionCookie.AMBIGUOUS, SessionCookie.strip(split, false));
        assertEquals(List.of("b=2"), split.getAll("Cookie"));
    }

    @Test
    void over_tls_only_the_host_prefixed_name_counts_and_both_names_are_removed() {
        HttpHeaders headers = cookies("codermon_session=plain; a=1; __Host-codermon_session=secure");
        assertEquals("secure", SessionCookie.strip(headers, true));
        assertEquals(List.of("a=1"), headers.getAll("Cookie"));
        HttpHeaders plainOnly = cookies("codermon_session=plain");
        assertNull(SessionCookie.strip(plainOnly, true));
        assertFalse(plainOnly.contains("Cookie"));
        HttpHeaders twoSecure = cookies("__Host-codermon_session=a; __Host-codermon_session=b; codermon_session=c");
        assertSame(SessionCookie.AMBIGUOUS, SessionCookie.strip(twoSecure, true));
    }

    @Test
    void over_http_the_host_prefixed_name_is_removed_but_not_accepted() {
        HttpHeaders headers = cookies("__Host-codermon_session=secure; codermon_session=plain");
        assertEquals("plain", SessionCookie.strip(headers, false));
        assertFalse(headers.contains("Cookie"));
        assertNull(SessionCookie.strip(cookies("__Host-codermon_session=secure"), false));
    }

    @Test
    void quoted_value_is_unquoted() {
        assertEquals("abc", SessionCookie.strip(cookies("codermon_session=\"abc\""), false));
    }

    @Test
    void similar_names_are_not_ours() {
        HttpHeaders headers = cookies("codermon_session_x=1; xcodermon_session=2");
        assertNull(SessionCookie.strip(headers, false));
        assertEquals(List.of("codermon_session_x=1; xcodermon_session=2"), headers.getAll("Cookie"));
    }

    @Test
    void no_cookie_header_is_left_alone() {
        HttpHeaders headers = new DefaultHttpHeaders();
        assertNull(SessionCookie.strip(headers, false));
        assertFalse(headers.contains("Cookie"));
    }

    @Test
    void set_cookie_is_host_only_http_only_lax_and_host_prefixed_and_secure_over_tls() {
        String tls = SessionCookie.set("v", Duration.ofHours(12), true);
        assertEquals("__Host-codermon_session=v; Max-Age=43200; Path=/; HttpOnly; SameSite=Lax; Secure", tls);
        String plain = SessionCookie.set("v", Duration.ofHours(1), false);
        assertFalse(plain.contains("Secure"));
        assertFalse(plain.contains("Domain"));
        assertTrue(plain.contains("Max-Age=3600"));
    }
}
