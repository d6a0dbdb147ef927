package dev.codermon.proxy.pipeline;

import dev.codermon.proxy.http.IdePath;
import dev.codermon.proxy.http.Refusal;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.AsciiString;

/**
 * Decides which requests the IDE's own origin (a workspace host itself, not an app host) refuses even
 * from its owner's browser, because the browser may be sending them for someone else:
 *
 * <ul>
 *   <li>code-server's path proxy ({@link IdePath#PATH_PROXY}): it would serve an app's pages, which any
 *       repository can write, on the IDE's origin; apps have their own hosts;</li>
 *   <li>a navigation to workspace files ({@link IdePath#WORKSPACE_FILES}): a file of the workspace opened
 *       as a page on the IDE's origin runs its script with the IDE's authority;</li>
 *   <li>a request another site's page made ({@code Sec-Fetch-Site: cross-site}, or {@code same-site}: a
 *       sibling workspace or app host), unless it is a top-level GET or HEAD navigation: the browser attaches
 *       the user's cookie and proxy credentials to it.</li>
 * </ul>
 *
 * Requests without {@code Sec-Fetch-*} headers (tools, old browsers) pass the last two checks; responses
 * on file paths carry a sandbox policy for those (see {@link ResponseDefences}).
 */
final class IdeRequests {

    static final AsciiString SEC_FETCH_SITE = AsciiString.cached("sec-fetch-site");
    static final AsciiString SEC_FETCH_MODE = AsciiString.cached("sec-fetch-mode");
    static final AsciiString SEC_FETCH_DEST = AsciiString.cached("sec-fetch-dest");
    static final AsciiString SEC_FETCH_USER = AsciiString.cached("sec-fetch-user");
    private static final AsciiString CROSS_SITE = AsciiString.cached("cross-site");
    private static final AsciiString SAME_SITE = AsciiString.cached("same-site");
    private static final AsciiString NAVIGATE = AsciiString.cached("navigate");
    private static final AsciiString DOCUMENT = AsciiString.cached("document");
    /** Destinations that make a response a page of its own. */
    private static final AsciiString[] PAGE_DESTINATIONS = {
        DOCUMENT, AsciiString.cached("iframe"), AsciiString.cached("frame"), AsciiString.cached("embed"),
        AsciiString.cached("object"),
    };

    private IdeRequests() {
    }

    /** Returns why a request to the IDE's origin, whose path is of the given kind, is refused; null if it is not. */
    public static Refusal check(HttpRequest request, IdePath path) {
        if (path == IdePath.PATH_PROXY) {
            return Refusal.PATH_PROXY_CLOSED;
        }
        HttpHeaders headers = request.headers();
        if (path == IdePath.WORKSPACE_FILES && opensPage(headers)) {
            return Refusal.WORKSPACE_FILE_PAGE;
        }
        if (isCrossSite(headers) && !isTopLevelNavigation(request)) {
            return Refusal.CROSS_SITE_REQUEST;
        }
        if (hasForeignOrigin(request)) {
            return Refusal.CROSS_SITE_REQUEST;
        }
        return null;
    }

    /**
     * Returns whether the request carries the {@code Origin} of another page than the IDE's own. Over plain
     * http browsers send no {@code Sec-Fetch-*}, but they do send {@code Origin} on every cross-origin
     * request that could change something (form posts, fetches, CORS): another site's, a sibling
     * workspace's or app's, or {@code null} (a sandboxed frame) on anything but GET and HEAD.
     */
    static boolean hasForeignOrigin(HttpRequest request) {
        String origin = request.headers().get(HttpHeaderNames.ORIGIN);
        if (origin == null) {
            return false;
        }
        String o = origin.strip().toLowerCase(java.util.Locale.ROOT);
        if (o.equals("null")) {
            HttpMethod method = request.method();
            return !HttpMethod.GET.equals(method) && !HttpMethod.HEAD.equals(method);
        }
        String host = request.headers().get(HttpHeaderNames.HOST);
        if (host == null) {
            return true;
        }
        String h = host.strip().toLowerCase(java.util.Locale.ROOT);
        return !(o.equals("http://" + h) || o.equals("https://" + h) || o.equals("http://" + h + ":80")
                || o.equals("https://" + h + ":443"));
    }

    /** Returns whether the browser says another site's page (or a sibling host's) made the request. */
    static boolean isCrossSite(HttpHeaders headers) {
        String site = headers.get(SEC_FETCH_SITE);
        if (site == null) {
            return false;
        }
        String s = site.strip();
        return CROSS_SITE.contentEqualsIgnoreCase(s) || SAME_SITE.contentEqualsIgnoreCase(s);
    }

    /** Returns whether the request is a top-level GET or HEAD navigation (mode navigate, destination document). */
    static boolean isTopLevelNavigation(HttpRequest request) {
        HttpMethod method = request.method();
        return (HttpMethod.GET.equals(method) || HttpMethod.HEAD.equals(method))
                && is(request.headers(), SEC_FETCH_MODE, NAVIGATE) && is(request.headers(), SEC_FETCH_DEST, DOCUMENT);
    }

    /** Returns whether the browser would render the response as a page: a navigation, or a framed or embedded one. */
    static boolean opensPage(HttpHeaders headers) {
        if (is(headers, SEC_FETCH_MODE, NAVIGATE)) {
            return true;
        }
        String dest = headers.get(SEC_FETCH_DEST);
        if (dest == null) {
            return false;
        }
        for (AsciiString page : PAGE_DESTINATIONS) {
            if (page.contentEqualsIgnoreCase(dest.strip())) {
                return true;
            }
        }
        return false;
    }

    static boolean is(HttpHeaders headers, AsciiString name, AsciiString value) {
        String actual = headers.get(name);
        return actual != null && value.contentEqualsIgnoreCase(actual.strip());
    }
}
