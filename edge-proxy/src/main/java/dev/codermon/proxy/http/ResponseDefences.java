package dev.codermon.proxy.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.List;

/**
 * Adds the proxy's defences to a workspace's response, chosen once per request by where it goes:
 *
 * <ul>
 *   <li>the IDE's origin: {@code Content-Security-Policy: frame-ancestors 'self'} and
 *       {@code X-Frame-Options: SAMEORIGIN}, so that no other origin (a sibling app host included) frames
 *       the workbench;</li>
 *   <li>the IDE's file routes ({@link IdePath#WORKSPACE_FILES}) also {@code Content-Security-Policy: sandbox}
 *       and {@code X-Content-Type-Options: nosniff}: even a browser that sends no {@code Sec-Fetch-*}
 *       headers renders a workspace file opened as a page in an opaque origin;</li>
 *   <li>an app host: {@code frame-ancestors 'self'} and the IDE's origins, whose port preview frames it.</li>
 * </ul>
 *
 * Policies are added as headers of their own, next to the workspace's own (every policy is enforced).
 * Every {@code Set-Cookie} loses its {@code Domain} attribute, so that no workspace sets a cookie on a
 * sibling workspace's host, and one that names the proxy's session cookie is dropped.
 */
public final class ResponseDefences {

    private static final AsciiString X_CONTENT_TYPE_OPTIONS = AsciiString.cached("x-content-type-options");
    private static final AsciiString NOSNIFF = AsciiString.cached("nosniff");
    private static final AsciiString SAMEORIGIN = AsciiString.cached("SAMEORIGIN");
    private static final AsciiString FRAME_ANCESTORS_SELF = AsciiString.cached("frame-ancestors 'self'");
    private static final AsciiString SANDBOX = AsciiString.cached("sandbox");
    private static final AsciiString DOMAIN = AsciiString.cached("domain");

    /** Responses of the IDE's origin. */
    public static final ResponseDefences IDE = new ResponseDefences(FRAME_ANCESTORS_SELF, false);
    /** Responses of the IDE's routes that serve workspace files. */
    public static final ResponseDefences IDE_FILES = new ResponseDefences(FRAME_ANCESTORS_SELF, true);

    private final AsciiString frameAncestors;
    private final boolean files;

    private ResponseDefences(AsciiString frameAncestors, boolean files) {
        this.frameAncestors = frameAncestors;
        this.files = files;
    }

    /** Returns the defences for the IDE's origin and a path of the given kind. */
    public static ResponseDefences forIde(IdePath path) {
        return path == IdePath.WORKSPACE_FILES ? IDE_FILES : IDE;
    }

    /** Returns the defences for an app host of the workspace at {@code ideHost}; callers keep it per workspace. */
    public static ResponseDefences forApp(String ideHost) {
        return new ResponseDefences(new AsciiString("frame-ancestors 'self' http://" + ideHost + " https://" + ideHost),
                false);
    }

    /** Returns whether these are an app host's defences (the IDE's may not frame its own pages elsewhere). */
    boolean isApp() {
        return this != IDE && this != IDE_FILES;
    }

    /** Adds the defences to a workspace's response headers, in place. */
    public void apply(HttpHeaders headers) {
        headers.add(HttpHeaderNames.CONTENT_SECURITY_POLICY, frameAncestors);
        if (!isApp()) {
            headers.set(HttpHeaderNames.X_FRAME_OPTIONS, SAMEORIGIN);
        }
        if (files) {
            headers.add(HttpHeaderNames.CONTENT_SECURITY_POLICY, SANDBOX);
            headers.set(X_CONTENT_TYPE_OPTIONS, NOSNIFF);
        }
        if (headers.contains(HttpHeaderNames.SET_COOKIE)) {
            confineCookies(headers);
        }
    }

    /** Makes every workspace cookie host-only and drops any that would stand in for the proxy's session. */
    static void confineCookies(HttpHeaders headers) {
        List<String> values = headers.getAll(HttpHeaderNames.SET_COOKIE);
        List<String> kept = new ArrayList<>(values.size());
        boolean changed = false;
        for (String value : values) {
            String confined = confine(value);
            changed |= confined != value;
            if (confined != null) {
                kept.add(confined);
            }
        }
        if (changed) {
            headers.remove(HttpHeaderNames.SET_COOKIE);
            for (String value : kept) {
                headers.add(HttpHeaderNames.SET_COOKIE, value);
            }
        }
    }

    /**
     * Returns the Set-Cookie value without its {@code Domain} attributes (the same instance if it had
     * none), or null if it names the proxy's session cookie.
     */
    static String confine(String setCookie) {
        int semicolon = setCookie.indexOf(';');
        String pair = semicolon < 0 ? setCookie : setCookie.substring(0, semicolon);
        int eq = pair.indexOf('=');
        if (SessionCookie.isSessionName((eq < 0 ? pair : pair.substring(0, eq)).strip())) {
            return null;
        }
        if (semicolon < 0 || AsciiString.indexOfIgnoreCaseAscii(setCookie, DOMAIN, semicolon) < 0) {
            return setCookie;
        }
        StringBuilder out = new StringBuilder(setCookie.length()).append(pair);
        boolean dropped = false;
        for (String attribute : setCookie.substring(semicolon + 1).split(";")) {
            String trimmed = attribute.strip();
            int attributeEq = trimmed.indexOf('=');
            String name = (attributeEq < 0 ? trimmed : trimmed.substring(0, attributeEq)).strip();
            if (DOMAIN.contentEqualsIgnoreCase(name)) {
                dropped = true;
            } else if (!trimmed.isEmpty()) {
                out.append("; ").append(trimmed);
            }
        }
        return dropped ? out.toString() : setCookie;
    }
}
