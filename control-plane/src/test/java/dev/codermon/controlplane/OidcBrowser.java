package dev.codermon.controlplane;

import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.HttpCookie;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Acts as a browser in the sign-in tests: keeps cookies per host, follows redirects by hand (so that a test
 * can stop at the provider's answer and tamper with it) and fills in the provider's login form.
 */
final class OidcBrowser {

    private static final Pattern FORM_ACTION = Pattern.compile("<form[^>]*action=\"([^\"]+)\"");

    final CookieManager cookies = new CookieManager(null, CookiePolicy.ACCEPT_ALL);
    private final HttpClient http = HttpClient.newBuilder().cookieHandler(cookies)
            .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();

    HttpResponse<String> get(URI uri) throws Exception {
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Starts a sign-in at the console and returns the provider's authorization URL it redirects to. */
    URI startLogin(URI console) throws Exception {
        HttpResponse<String> r = get(console.resolve("/login"));
        if (r.statusCode() != 302) {
            throw new AssertionError("GET /login answered " + r.statusCode() + ": " + r.body());
        }
        return URI.create(r.headers().firstValue("Location").orElseThrow());
    }

    /**
     * Goes through the provider from its authorization URL, signing in as {@code login}, and returns where the
     * provider sends the browser back (the console's callback, not yet visited).
     */
    URI signInAtProvider(URI authorization, String login) throws Exception {
        URI next = authorization;
        for (int i = 0; i < 12; i++) {
            HttpResponse<String> r = get(next);
            if (r.statusCode() == 302 || r.statusCode() == 303) {
                URI location = next.resolve(r.headers().firstValue("Location").orElseThrow());
                if (location.getPath().equals("/login/callback")) {
                    return location;
                }
                next = location;
                continue;
            }
            Matcher form = FORM_ACTION.matcher(r.body());
            if (r.statusCode() != 200 || !form.find()) {
                throw new AssertionError("the provider answered " + r.statusCode() + " at " + next + ": " + r.body());
            }
            URI action = next.resolve(form.group(1));
            String body = r.body().contains("name=\"login\"")
                    ? "prompt=login&login=" + enc(login) + "&password=any"
                    : "prompt=consent";
            HttpResponse<String> posted = send(HttpRequest.newBuilder(action)
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(body)));
            if (posted.statusCode() != 302 && posted.statusCode() != 303) {
                throw new AssertionError("the provider's form answered " + posted.statusCode() + ": " + posted.body());
            }
            next = action.resolve(posted.headers().firstValue("Location").orElseThrow());
            if (next.getPath().equals("/login/callback")) {
                return next;
            }
        }
        throw new AssertionError("too many steps at the provider");
    }

    /** Returns the value of the cookie with this name for the URI's host, or null. */
    String cookie(URI uri, String name) {
        return cookies.getCookieStore().get(uri).stream().filter(c -> c.getName().equals(name))
                .map(HttpCookie::getValue).findFirst().orElse(null);
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
