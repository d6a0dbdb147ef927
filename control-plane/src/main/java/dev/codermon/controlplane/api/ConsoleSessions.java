package dev.codermon.controlplane.api;

import dev.codermon.auth.Principal;
import dev.codermon.auth.route.ConsoleSession;
import dev.codermon.auth.route.PeopleStore;
import dev.codermon.auth.route.RevocationReader;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Keeps the console's cookie sessions of people signed in through OpenID Connect. The cookie
 * ({@value #COOKIE}, HttpOnly, SameSite=Strict) is accepted only from the console page itself: every call
 * must also carry the session's CSRF value in {@value #CSRF_HEADER}, which only a page on the console's own
 * origin can read ({@code GET /api/session}), and must not come from another site ({@code Sec-Fetch-Site}).
 * The store keeps a hash of the cookie, never the cookie.
 */
public final class ConsoleSessions {

    public static final String COOKIE = "codermon_console";
    public static final String CSRF_HEADER = "X-Codermon-CSRF";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final PeopleStore store;
    private final RevocationReader revocations;
    private final Duration ttl;
    private final boolean secure;
    private final Clock clock;

    /**
     * Creates the sessions.
     *
     * @param secure whether the console is served over https (the cookie is then {@code Secure})
     */
    public ConsoleSessions(PeopleStore store, RevocationReader revocations, Duration ttl, boolean secure,
            Clock clock) {
        this.store = store;
        this.revocations = revocations;
        this.ttl = ttl;
        this.secure = secure;
        this.clock = clock;
    }

    /** Opens a session for the person and sets its cookie on the response. */
    public ConsoleSession open(Context ctx, String user, String role) {
        String id = random();
        // A whole second after any revocation in this second, as tokens are (see TokenService).
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        ConsoleSession session = new ConsoleSession(hash(id), user, role, random(), now, now.plus(ttl));
        store.createConsoleSession(session);
        ctx.res().addHeader("Set-Cookie", COOKIE + "=" + id + "; Path=/; HttpOnly; SameSite=Strict; Max-Age="
                + ttl.toSeconds() + (secure ? "; Secure" : ""));
        return session;
    }

    /** Returns the valid session the request's cookie names, if any (no CSRF check: for {@code /api/session}). */
    public Optional<ConsoleSession> current(Context ctx) {
        String id = ctx.cookie(COOKIE);
        if (id == null || id.isBlank()) {
            return Optional.empty();
        }
        return store.findConsoleSession(hash(id)).filter(s -> clock.instant().isBefore(s.expiresAt()))
                .filter(s -> {
                    Instant before = revocations.revocations().get(s.user());
                    return before == null || !s.createdAt().isBefore(before);
                })
                .filter(s -> store.findPerson(s.user()).map(p -> !p.disabled()).orElse(true));
    }

    /** Ends the request's session (if any) and clears its cookie. */
    public void close(Context ctx) {
        String id = ctx.cookie(COOKIE);
        if (id != null) {
            store.deleteConsoleSession(hash(id));
        }
        ctx.res().addHeader("Set-Cookie", COOKIE + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"
                + (secure ? "; Secure" : ""));
    }

    /**
     * Returns the caller of a request that carries the console cookie and no {@code Authorization}.
     *
     * @throws ApiException 401 if the cookie is not a valid session, or the request is not the console's own
     */
    Caller authenticate(Context ctx) {
        String site = ctx.header("Sec-Fetch-Site");
        if (site != null && !site.equals("same-origin") && !site.equals("none")) {
            throw ApiException.unauthorized("the console's session is for the console page only; send"
                    + " Authorization: Bearer <token>");
        }
        ConsoleSession session = current(ctx).orElseThrow(() -> ApiException.unauthorized(
                "the console session has ended; sign in again"));
        String csrf = ctx.header(CSRF_HEADER);
        if (csrf == null || !MessageDigest.isEqual(csrf.getBytes(StandardCharsets.UTF_8),
                session.csrf().getBytes(StandardCharsets.UTF_8))) {
            throw ApiException.unauthorized("cookie sign-in is for the console page only (no " + CSRF_HEADER
                    + "); send Authorization: Bearer <token>");
        }
        return new Caller(new Principal(session.user(), "console", session.createdAt(), session.expiresAt()),
                session);
    }

    /** Returns whether the request carries the console cookie at all. */
    static boolean presented(Context ctx) {
        return ctx.cookie(COOKIE) != null;
    }

    private static String random() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    static String hash(String id) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(id.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
