package dev.codermon.proxy.pipeline;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;

class BrowserNavigationTest {

    private static final String CHROMIUM_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,"
            + "image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7";

    private static HttpRequest request(HttpMethod method, String... headers) {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, "/");
        for (int i = 0; i < headers.length; i += 2) {
            request.headers().add(headers[i], headers[i + 1]);
        }
        return request;
    }

    @Test
    void chromium_page_load_is_a_navigation() {
        assertTrue(BrowserNavigation.isNavigation(request(HttpMethod.GET, "Accept", CHROMIUM_ACCEPT,
                "Sec-Fetch-Mode", "navigate", "Sec-Fetch-Dest", "document")));
        assertTrue(BrowserNavigation.isNavigation(request(HttpMethod.HEAD, "Sec-Fetch-Mode", "navigate")));
    }

    @Test
    void html_accept_without_fetch_metadata_is_a_navigation() {
        assertTrue(BrowserNavigation.isNavigation(request(HttpMethod.GET, "Accept", "TEXT/HTML;q=0.9")));
        assertTrue(BrowserNavigation.isNavigation(request(HttpMethod.GET, "Accept", "*/*",
                "Accept", "text/html")));
    }

    @Test
    void subresources_xhr_and_fetch_are_not_navigations() {
        assertFalse(BrowserNavigation.isNavigation(request(HttpMethod.GET)));
        assertFalse(BrowserNavigation.isNavigation(request(HttpMethod.GET, "Accept", "*/*")));
        assertFalse(BrowserNavigation.isNavigation(request(HttpMethod.GET, "Accept", "application/json",
                "Sec-Fetch-Mode", "cors")));
        assertFalse(BrowserNavigation.isNavigation(request(HttpMethod.GET, "Accept", "text/css,*/*;q=0.1",
                "Sec-Fetch-Mode", "no-cors", "Sec-Fetch-Dest", "style")));
        // A fetch() that asks for HTML is still a fetch.
        assertFalse(BrowserNavigation.isNavigation(request(HttpMethod.GET, "Accept", "text/html",
                "Sec-Fetch-Mode", "cors")));
    }

    @Test
    void websocket_handshakes_and_other_methods_are_not_navigations() {
        assertFalse(BrowserNavigation.isNavigation(request(HttpMethod.GET, "Upgrade", "websocket",
                "Connection", "Upgrade", "Sec-Fetch-Mode", "websocket")));
        assertFalse(BrowserNavigation.isNavigation(request(HttpMethod.GET, "Upgrade", "websocket",
                "Accept", "text/html")));
        assertFalse(BrowserNavigation.isNavigation(request(HttpMethod.POST, "Accept", CHROMIUM_ACCEPT,
                "Sec-Fetch-Mode", "navigate")));
        assertFalse(BrowserNavigation.isNavigation(request(HttpMethod.OPTIONS, "Accept", "text/html")));
    }
}
