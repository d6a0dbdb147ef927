package dev.codermon.controlplane.api;

import dev.codermon.auth.IssuedToken;
import io.javalin.http.Context;
import java.time.Instant;

/** Serves {@code /api/tokens}: the admin mints tokens for users; tokens are revoked per user. */
final class TokenController {

    record TokenRequest(String user, String ttl) {
    }

    record TokenResponse(String user, String token, String tokenId, Instant expiresAt) {
        @Override
        public String toString() {
            return "TokenResponse[user=" + user + ", tokenId=" + tokenId + "]";
        }
    }

    record RevokeRequest(String user) {
    }

    private final ApiAuthenticator auth;
    private final TokenService tokens;
    private final JsonRequestReader reader;

    TokenController(ApiAuthenticator auth, TokenService tokens, JsonRequestReader reader) {
        this.auth = auth;
        this.tokens = tokens;
        this.reader = reader;
    }

    void create(Context ctx) {
        auth.requireAdmin(ctx);
        TokenRequest request = reader.read(ctx, TokenRequest.class, null);
        IssuedToken issued = tokens.issue(request.user(), request.ttl());
        ctx.status(201).json(new TokenResponse(issued.user(), issued.token(), issued.tokenId(),
                issued.expiresAt()));
    }

    void revoke(Context ctx) {
        Caller caller = auth.requireAdminOrUser(ctx);
        RevokeRequest request = reader.read(ctx, RevokeRequest.class, new RevokeRequest(null));
        ctx.json(tokens.revoke(caller, request.user()));
    }
}
