package dev.codermon.proxy.pipeline;

import dev.codermon.proxy.http.IdePath;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.codermon.proxy.http.Refusal;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;

class IdeRequestsTest {

    private static HttpRequest request(HttpMethod method, String... headers) {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, "/");
        for (int i = 0; i < headers.length; i += 2) {
            request.headers().add(headers[i], headers[i + 1]);
        }
        return request;
    }

    private static HttpRequest get(String... headers) {
        return request(HttpMethod.GET, headers);
    }

    @Test
    void the_path_proxy_is_closed_to_everyone() {
        assertEquals(Refusal.PATH_PROXY_CLOSED, IdeRequests.check(get(), IdePath.PATH_PROXY));
        assertEquals(Refusal.PATH_PROXY_CLOSED, IdeRequests.check(get("Sec-Fetch-Site", "same-origin",
                "Sec-Fetch-Mode", "cors", "Sec-Fetch-Dest", "empty"), IdePath.PATH_PROXY));
    }

    @Test
    void workspace_files_are_refused_as_pages_and_served_as_subresources() {
        assertEquals(Refusal.WORKSPACE_FILE_PAGE, IdeRequests.check(get("Sec-Fetch-Site", "same-origin",
                "Sec-Fetch-Mode", "navigate", "Sec-Fetch-Dest", "document"), IdePath.WORKSPACE_FILES));
        for (String dest : new String[] {"iframe", "frame", "embed", "object", "IFRAME"}) {
            assertEquals(Refusal.WORKSPACE_FILE_PAGE, IdeRequests.check(get("Sec-Fetch-Site", "same-origin",
                    "Sec-Fetch-Mode", "no-cors", "Sec-Fetch-Dest", dest), IdePath.WORKSPACE_FILES), dest);
        }
        for (String dest : new String[] {"image", "font", "script", "style", "worker", "empty"}) {
            assertNull(IdeRequests.check(get("Sec-Fetch-Site", "same-origin", "Sec-Fetch-Mode", "no-cors",
                    "Sec-Fetch-Dest", dest), IdePath.WORKSPACE_FILES), dest);
        }
        assertNull(IdeRequests.check(get(), IdePath.WORKSPACE_FILES), "a tool without Sec-Fetch headers");
        assertNull(IdeRequests.check(get("Sec-Fetch-Mode", "navigate", "Sec-Fetch-Dest", "document"),
                IdePath.ORDINARY), "the workbench itself is a page");
    }

    @Test
    void other_sites_and_sibling_hosts_may_only_navigate_to_the_ide() {
        for (String site : new String[] {"cross-site", "same-site", "Cross-Site"}) {
            assertEquals(Refusal.CROSS_SITE_REQUEST, IdeRequests.check(get("Sec-Fetch-Site", site,
                    "Sec-Fetch-Mode", "cors", "Sec-Fetch-Dest", "empty"), IdePath.ORDINARY), site);
            assertEquals(Refusal.CROSS_SITE_REQUEST, IdeRequests.check(request(HttpMethod.POST, "Sec-Fetch-Site",
                    site, "Sec-Fetch-Mode", "navigate", "Sec-Fetch-Dest", "document"), IdePath.ORDINARY), site);
            assertEquals(Refusal.CROSS_SITE_REQUEST, IdeRequests.check(get("Sec-Fetch-Site", site,
                    "Sec-Fetch-Mode", "navigate", "Sec-Fetch-Dest", "iframe"), IdePath.ORDINARY), site);
            assertEquals(Refusal.CROSS_SITE_REQUEST, IdeRequests.check(get("Sec-Fetch-Site", site,
                    "Sec-Fetch-Mode", "websocket", "Sec-Fetch-Dest", "websocket"), IdePath.ORDINARY), site);
            assertNull(IdeRequests.check(get("Sec-Fetch-Site", site, "Sec-Fetch-Mode", "navigate",
                    "Sec-Fetch-Dest", "document"), IdePath.ORDINARY), site);
            assertNull(IdeRequests.check(request(HttpMethod.HEAD, "Sec-Fetch-Site", site, "Sec-Fetch-Mode",
                    "navigate", "Sec-Fetch-Dest", "document"), IdePath.ORDINARY), site);
        }
        for (String site : new String[] {"same-origin", "none"}) {
            assertNull(IdeRequests.check(request(HttpMethod.POST, "Sec-Fetch-Site", site, "Sec-Fetch-Mode", "cors",
                    "Sec-Fetch-Dest", "empty"), IdePath.ORDINARY), site);
        }
        assertNull(IdeRequests.check(request(HttpMethod.POST), IdePath.ORDINARY), "curl sends no Sec-Fetch headers");
    }
}
