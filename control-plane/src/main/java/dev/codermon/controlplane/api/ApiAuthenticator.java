package dev.codermon.controlplane.api;

import dev.codermon.auth.InvalidTokenException;
import dev.codermon.auth.Principal;
import dev.codermon.auth.TokenVerifier;
import io.javalin.http.Context;
import java.util.Locale;

/**
 * Authenticates API callers from the {@code Authorization: Bearer} header only (never cookies).
 */
public final class ApiAuthenticator {

    private static final String BEARER = "bearer ";

    private final AdminKey adminKey;
    private final TokenVerifier verifier;

    public ApiAuthenticator(AdminKey adminKey, TokenVerifier verifier) {
        this.adminKey = adminKey;
        this.verifier = verifier;
    }

    /**
     * Requires the admin key.
     *
     * @throws ApiException 401 if it is missing or wrong
     */
    void requireAdmin(Context ctx) {
        if (!adminKey.matches(bearer(ctx, "admin key"))) {
            throw ApiException.unauthorized("the admin key is wrong; send Authorization: Bearer <admin key>"
                    + " (see admin.key in the data directory)");
        }
    }

    /**
     * Requires a valid user token and returns whom it speaks for.
     *
     * @throws ApiException 401 if it is missing or refused
     */
    Principal requireUser(Context ctx) {
        try {
            return verifier.verify(bearer(ctx, "token"));
        } catch (InvalidTokenException e) {
            throw ApiException.unauthorized(e.getMessage() + "; get a new token from POST /api/tokens");
        }
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
