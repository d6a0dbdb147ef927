package dev.codermon.controlplane.api;

import dev.codermon.auth.InvalidTokenException;
import dev.codermon.auth.Principal;
import dev.codermon.auth.TokenVerifier;
import dev.codermon.auth.route.RevocationKeys;
import dev.codermon.auth.route.RevocationReader;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.Map;
import java.util.Locale;

/**
 * Authenticates API callers from the {@code Authorization: Bearer} header only (never cookies), and
 * refuses user tokens issued before their user's revocation time.
 */
public final class ApiAuthenticator {

    private static final String BEARER = "bearer ";

    private final AdminKey adminKey;
    private final TokenVerifier verifier;
    private final RevocationReader revocations;
    private ConsoleSessions consoleSessions;

    /**
     * Creates the authenticator.
     *
     * @param revocations the store holding each user's revocation time
     */
    public ApiAuthenticator(AdminKey adminKey, TokenVerifier verifier, RevocationReader revocations) {
        this.adminKey = adminKey;
        this.verifier = verifier;
        this.revocations = revocations;
    }

    /** Accepts the console's cookie sessions too (only when OpenID Connect is configured). */
    public void acceptConsoleSessions(ConsoleSessions sessions) {
        this.consoleSessions = sessions;
    }

    /**
     * Requires the admin key.
     *
     * @throws ApiException 401 if it is missing or wrong
     */
    void requireAdmin(Context ctx) {
        String presented = bearer(ctx, "admin key");
        if (!adminKey.matches(presented)) {
            // A token (three dot-separated parts) is not checked here: whoever holds one is told what to send.
            throw ApiException.unauthorized((presented.chars().filter(c -> c == '.').count() == 2
                    ? "this endpoint takes the admin key, not a user token"
                    : "the admin key is wrong") + "; send Authorization: Bearer <admin key> (see admin.key in the"
                    + " data directory)");
        }
    }

    /**
     * Requires the admin key or a valid user token.
     *
     * @throws ApiException 401 if neither is presented
     */
    Caller requireAdminOrUser(Context ctx) {
        if (fromConsoleCookie(ctx)) {
            return consoleSessions.authenticate(ctx);
        }
        String presented = bearer(ctx, "admin key or token");
        if (adminKey.matches(presented)) {
            return Caller.ADMIN;
        }
        return new Caller(verifyUser(presented));
    }

    /**
     * Requires a valid user token and returns whom it speaks for.
     *
     * @throws ApiException 401 if it is missing or refused
     */
    Principal requireUser(Context ctx) {
        if (fromConsoleCookie(ctx)) {
            return consoleSessions.authenticate(ctx).principal();
        }
        return verifyUser(bearer(ctx, "token"));
    }

    /**
     * Requires a person signed in to the console (cookie session with its CSRF value).
     *
     * @throws ApiException 401 otherwise
     */
    Caller requirePerson(Context ctx) {
        if (!fromConsoleCookie(ctx)) {
            throw ApiException.unauthorized("this needs a person signed in to the console; sign in at the console"
                    + " with your identity provider");
        }
        return consoleSessions.authenticate(ctx);
    }

    private boolean fromConsoleCookie(Context ctx) {
        String header = ctx.header("Authorization");
        return consoleSessions != null && (header == null || header.isBlank()) && ConsoleSessions.presented(ctx);
    }

    private Principal verifyUser(String token) {
        Principal p;
        try {
            p = verifier.verify(token);
        } catch (InvalidTokenException e) {
            throw ApiException.unauthorized(e.getMessage() + "; get a new token from POST /api/tokens");
        }
        Map<String, Instant> revoked = revocations.revocations();
        Instant revokedBefore = revoked.get(p.user());
        if (revokedBefore != null && p.issuedAt().isBefore(revokedBefore)) {
            throw ApiException.unauthorized("token revoked; get a new token from POST /api/tokens");
        }
        Instant tokenRevoked = revoked.get(RevocationKeys.token(p.tokenId()));
        if (tokenRevoked != null && p.issuedAt().isBefore(tokenRevoked)) {
            throw ApiException.unauthorized("token revoked; create a new one in the console");
        }
        return p;
    }

    private static String bearer(Context ctx, String placeholder) {
        String header = ctx.header("Authorization");
        if (header == null || header.isBlank()) {
            throw ApiException.unauthorized("no credentials; send Authorization: Bearer <" + placeholder + ">");
        }
        if (header.length() <= BEARER.length() || !header.substring(0, BEARER.length()).toLowerCase(Locale.ROOT)
                .equals(BEARER)) {
            throw ApiException.unauthorized("only Bearer credentials are accepted; send Authorization: Bearer <"
                    + placeholder + ">");
        }
        return header.substring(BEARER.length()).trim();
    }
}
