package dev.codermon.proxy.pipeline;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;

/**
 * Guards sign-in links against login CSRF: a page of another site must not sign the browser in to a
 * workspace of the attacker's choosing. A link is redeemed at once when the person opened it themselves
 * (no {@code Sec-Fetch-Site}, {@code none}, {@code same-origin}, or a cross-site or same-site top-level
 * navigation with {@code Sec-Fetch-User: ?1}, a click); otherwise the proxy answers a page that names the
 * host and the user the link signs in to, whose Continue button posts the link back, and a post counts
 * only with the host's own {@code Origin}.
 */
final class SignInConsent {

    private static final AsciiString NONE = AsciiString.cached("none");
    private static final AsciiString SAME_ORIGIN = AsciiString.cached("same-origin");
    private static final AsciiString USER_ACTIVATED = AsciiString.cached("?1");
    private static final AsciiString DOCUMENT = AsciiString.cached("document");
    private static final AsciiString TEXT_HTML = AsciiString.cached("text/html; charset=utf-8");
    private static final AsciiString REFERRER_POLICY = AsciiString.cached("referrer-policy");
    private static final AsciiString NO_REFERRER = AsciiString.cached("no-referrer");
    /** No script, no framing, forms only to the host itself. */
    private static final AsciiString PAGE_POLICY = AsciiString.cached(
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");

    private SignInConsent() {
    }

    /**
     * Returns whether a GET of a sign-in link is the person's own doing, so that it may be redeemed at once:
     * {@code Sec-Fetch-Site} {@code none} or {@code same-origin}, a top-level navigation the person clicked
     * ({@code Sec-Fetch-User: ?1}), or, where the browser sends no {@code Sec-Fetch-*} at all (plain
     * {@code http://} to a workspace host is not a secure context), a {@code Referer} of the web console's.
     * Without either signal (a page that hid its referrer, a typed link over http, a tool) it asks first.
     */
    public static boolean isDirect(HttpRequest request, Set<String> consoleOrigins) {
        HttpHeaders headers = request.headers();
        String site = headers.get(IdeRequests.SEC_FETCH_SITE);
        if (site == null) {
            return consoleOrigins.contains(originOf(headers.get(HttpHeaderNames.REFERER)));
        }
        String s = site.strip();
        if (NONE.contentEqualsIgnoreCase(s) || SAME_ORIGIN.contentEqualsIgnoreCase(s)) {
            return true;
        }
        return IdeRequests.is(headers, IdeRequests.SEC_FETCH_USER, USER_ACTIVATED)
                && IdeRequests.is(headers, IdeRequests.SEC_FETCH_DEST, DOCUMENT);
    }

    /** Returns the origin ({@code scheme://host[:port]}, lower case) of a URL, or "" if it has none. */
    static String originOf(String url) {
        if (url == null) {
            return "";
        }
        String u = url.strip().toLowerCase(Locale.ROOT);
        int scheme = u.indexOf("://");
        if (scheme <= 0) {
            return "";
        }
        int end = u.indexOf('/', scheme + 3);
        return end < 0 ? u : u.substring(0, end);
    }

    /** Returns whether a posted confirmation comes from the host's own page: its exact origin over this transport. */
    public static boolean isOwnOrigin(HttpRequest request, String host, boolean tls) {
        String origin = request.headers().get(HttpHeaderNames.ORIGIN);
        if (origin == null) {
            return false;
        }
        String o = origin.strip().toLowerCase(Locale.ROOT);
        String expected = (tls ? "https://" : "http://") + host.toLowerCase(Locale.ROOT);
        return o.equals(expected) || o.equals(expected + (tls ? ":443" : ":80"));
    }

    /**
     * Creates the page that asks before signing in: it names the host and the user and posts the link
     * back to {@code path}; it has no script and is never framed or cached.
     */
    public static FullHttpResponse page(ByteBufAllocator alloc, String path, String token, String host, String user,
            boolean keepAlive) {
        String h = escape(host);
        String u = escape(user);
        String action = escape(path + "?token=" + URLEncoder.encode(token, StandardCharsets.UTF_8));
        String html = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<title>Sign in to " + h + "?</title>"
                + "<style>body{font-family:sans-serif;max-width:40em;margin:3em auto;padding:0 1em}"
                + "button{font-size:1em;padding:.5em 1.5em}</style></head><body>\n"
                + "<h1>Sign in to a Codermon workspace?</h1>\n"
                + "<p>This link signs this browser in to the workspace <strong>" + h + "</strong> as <strong>" + u
                + "</strong>.</p>\n"
                + "<p>Another page sent you here. Continue only if you meant to open this workspace as " + u
                + "; otherwise close this page.</p>\n"
                + "<form method=\"post\" action=\"" + action + "\"><button type=\"submit\">Continue as " + u
                + "</button></form>\n</body></html>\n";
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                ByteBufUtil.writeUtf8(alloc, html));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, TEXT_HTML)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes())
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE)
                .set(HttpHeaderNames.CONTENT_SECURITY_POLICY, PAGE_POLICY)
                .set(HttpHeaderNames.X_FRAME_OPTIONS, "DENY")
                .set(REFERRER_POLICY, NO_REFERRER)
                .set(HttpHeaderNames.CONNECTION, keepAlive ? HttpHeaderValues.KEEP_ALIVE : HttpHeaderValues.CLOSE);
        return response;
    }

    private static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
