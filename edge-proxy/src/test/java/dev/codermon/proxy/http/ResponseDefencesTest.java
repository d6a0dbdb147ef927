package dev.codermon.proxy.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResponseDefencesTest {

    private static final String IDE = "main.alice.codermon.internal";

    private static HttpHeaders headers(String... namesAndValues) {
        HttpHeaders headers = new DefaultHttpHeaders();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            headers.add(namesAndValues[i], namesAndValues[i + 1]);
        }
        return headers;
    }

    @Test
    void the_ide_is_framed_only_by_itself_next_to_its_own_policy() {
        HttpHeaders h = headers("Content-Security-Policy", "default-src 'self'", "X-Frame-Options", "ALLOWALL");
        ResponseDefences.forIde(IdePath.ORDINARY).apply(h);
        assertEquals(List.of("default-src 'self'", "frame-ancestors 'self'"), h.getAll("Content-Security-Policy"));
        assertEquals(List.of("SAMEORIGIN"), h.getAll("X-Frame-Options"));
        assertNull(h.get("X-Content-Type-Options"));
    }

    @Test
    void workspace_files_are_sandboxed_and_not_sniffed() {
        HttpHeaders h = headers("Content-Type", "text/html");
        ResponseDefences.forIde(IdePath.WORKSPACE_FILES).apply(h);
        assertEquals(List.of("frame-ancestors 'self'", "sandbox"), h.getAll("Content-Security-Policy"));
        assertEquals("nosniff", h.get("X-Content-Type-Options"));
        assertEquals("SAMEORIGIN", h.get("X-Frame-Options"));
        assertSame(ResponseDefences.IDE, ResponseDefences.forIde(IdePath.PATH_PROXY));
    }

    @Test
    void an_app_may_be_framed_by_its_ide_only() {
        HttpHeaders h = headers();
        ResponseDefences.forApp(IDE).apply(h);
        assertEquals(List.of("frame-ancestors 'self' http://" + IDE + " https://" + IDE),
                h.getAll("Content-Security-Policy"));
        assertFalse(h.contains("X-Frame-Options"));
    }

    @Test
    void cookies_lose_their_domain_and_the_proxys_session_name_is_dropped() {
        HttpHeaders h = headers("Set-Cookie", "a=1; Path=/; Domain=codermon.internal; HttpOnly",
                "Set-Cookie", "b=2; domain = .main.alice.codermon.internal",
                "Set-Cookie", "c=domain; Path=/",
                "Set-Cookie", "codermon_session=tossed; Path=/",
                "Set-Cookie", "__Host-codermon_session=tossed; Secure; Path=/",
                "Set-Cookie", "d=4; DOMAIN=x; DoMaIn=y; Secure");
        ResponseDefences.forApp(IDE).apply(h);
        assertEquals(List.of("a=1; Path=/; HttpOnly", "b=2", "c=domain; Path=/", "d=4; Secure"),
                h.getAll("Set-Cookie"));
    }

    @Test
    void a_cookie_without_domain_is_kept_as_it_is() {
        String value = "sid=x; Path=/; HttpOnly; SameSite=Strict";
        assertSame(value, ResponseDefences.confine(value));
        assertNull(ResponseDefences.confine(" codermon_session =x"));
    }
}
