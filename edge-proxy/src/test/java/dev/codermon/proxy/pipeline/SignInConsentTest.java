package dev.codermon.proxy.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SignInConsentTest {

    private static final String HOST = "main.alice.codermon.internal";
    private static final Set<String> CONSOLE = Set.of("http://localhost:5001", "http://127.0.0.1:5001");

    private static HttpRequest request(HttpMethod method, String... headers) {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, "/__codermon/auth?token=t");
        for (int i = 0; i < headers.length; i += 2) {
            request.headers().add(headers[i], headers[i + 1]);
        }
        return request;
    }

    @Test
    void a_link_the_person_opened_is_redeemed_at_once() {
        assertTrue(SignInConsent.isDirect(request(HttpMethod.GET, "Sec-Fetch-Site", "none"), CONSOLE));
        assertTrue(SignInConsent.isDirect(request(HttpMethod.GET, "Sec-Fetch-Site", "same-origin"), CONSOLE));
        assertTrue(SignInConsent.isDirect(request(HttpMethod.GET, "Sec-Fetch-Site", "cross-site",
                "Sec-Fetch-User", "?1", "Sec-Fetch-Dest", "document", "Sec-Fetch-Mode", "navigate"), CONSOLE));
        assertTrue(SignInConsent.isDirect(request(HttpMethod.GET, "Sec-Fetch-Site", "same-site",
                "Sec-Fetch-User", "?1", "Sec-Fetch-Dest", "document"), CONSOLE));
    }

    @Test
    void over_plain_http_without_sec_fetch_only_the_consoles_referer_redeems_at_once() {
        assertTrue(SignInConsent.isDirect(request(HttpMethod.GET, "Referer", "http://localhost:5001/"), CONSOLE));
        assertTrue(SignInConsent.isDirect(request(HttpMethod.GET, "Referer", "HTTP://127.0.0.1:5001/#ws"), CONSOLE));
        assertFalse(SignInConsent.isDirect(request(HttpMethod.GET), CONSOLE), "no signal: a page that hid its referrer");
        assertFalse(SignInConsent.isDirect(request(HttpMethod.GET, "Referer", "http://evil.example/"), CONSOLE));
        assertFalse(SignInConsent.isDirect(request(HttpMethod.GET, "Referer", "http://localhost:5001.evil.example/"),
                CONSOLE));
        assertFalse(SignInConsent.isDirect(request(HttpMethod.GET, "Referer",
                "http://3000.main.bob.codermon.internal/"), CONSOLE), "a sibling app host is not the console");
    }

    @Test
    void a_link_another_page_opened_without_a_click_or_in_a_frame_is_not() {
        assertFalse(SignInConsent.isDirect(request(HttpMethod.GET, "Sec-Fetch-Site", "cross-site",
                "Sec-Fetch-Dest", "document", "Sec-Fetch-Mode", "navigate"), CONSOLE));
        assertFalse(SignInConsent.isDirect(request(HttpMethod.GET, "Sec-Fetch-Site", "same-site",
                "Sec-Fetch-User", "?1", "Sec-Fetch-Dest", "iframe"), CONSOLE));
        assertFalse(SignInConsent.isDirect(request(HttpMethod.GET, "Sec-Fetch-Site", "cross-site",
                "Sec-Fetch-Dest", "image"), CONSOLE));
    }

    @Test
    void a_confirmation_counts_only_from_the_hosts_own_origin_on_this_transport() {
        assertTrue(SignInConsent.isOwnOrigin(request(HttpMethod.POST, "Origin", "http://" + HOST), HOST, false));
        assertTrue(SignInConsent.isOwnOrigin(request(HttpMethod.POST, "Origin", "https://" + HOST), HOST, true));
        assertTrue(SignInConsent.isOwnOrigin(request(HttpMethod.POST, "Origin", "HTTP://" + HOST + ":80"), HOST, false));
        assertFalse(SignInConsent.isOwnOrigin(request(HttpMethod.POST, "Origin", "https://" + HOST), HOST, false));
        assertFalse(SignInConsent.isOwnOrigin(request(HttpMethod.POST, "Origin", "http://8501." + HOST), HOST, false));
        assertFalse(SignInConsent.isOwnOrigin(request(HttpMethod.POST, "Origin", "null"), HOST, false));
        assertFalse(SignInConsent.isOwnOrigin(request(HttpMethod.POST), HOST, false));
    }

    @Test
    void the_page_names_host_and_user_posts_the_link_back_and_is_never_framed() {
        FullHttpResponse page = SignInConsent.page(ByteBufAllocator.DEFAULT, "/__codermon/auth", "a.b-c_d", HOST,
                "<alice>", true);
        try {
            String html = page.content().toString(StandardCharsets.UTF_8);
            assertEquals(200, page.status().code());
            assertTrue(html.contains("<strong>" + HOST + "</strong>"), html);
            assertTrue(html.contains("&lt;alice&gt;") && !html.contains("<alice>"), html);
            assertTrue(html.contains("<form method=\"post\" action=\"/__codermon/auth?token=a.b-c_d\">"), html);
            assertFalse(html.contains("<script"), html);
            assertTrue(page.headers().get("Content-Security-Policy").contains("frame-ancestors 'none'"));
            assertEquals("no-store", page.headers().get("Cache-Control"));
            assertEquals(String.valueOf(page.content().readableBytes()), page.headers().get("Content-Length"));
        } finally {
            page.release();
        }
    }
}
