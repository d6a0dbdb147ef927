package dev.codermon.controlplane.api;

import dev.codermon.auth.IssuedToken;
import dev.codermon.auth.route.ConsoleSession;
import dev.codermon.auth.route.PeopleStore;
import dev.codermon.auth.route.PersonRecord;
import dev.codermon.auth.route.PersonalToken;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Serves what a person signed in through OpenID Connect does with their own session and tokens:
 * {@code GET /api/session}, {@code POST /api/session/logout}, and {@code /api/me/tokens} (create, list,
 * revoke their personal tokens, for scripts, curl and the proxy's Basic prompt).
 */
final class PersonController {

    record CreateTokenRequest(String name, String ttl) {
    }

    private final ApiAuthenticator auth;
    private final ConsoleSessions sessions;
    private final PeopleStore people;
    private final TokenService tokens;
    private final JsonRequestReader reader;
    private final Clock clock;

    PersonController(ApiAuthenticator auth, ConsoleSessions sessions, PeopleStore people, TokenService tokens,
            JsonRequestReader reader, Clock clock) {
        this.auth = auth;
        this.sessions = sessions;
        this.people = people;
        this.tokens = tokens;
        this.reader = reader;
        this.clock = clock;
    }

    /** Answers who is signed in by cookie, with the CSRF value the console page sends with every call. */
    void session(Context ctx) {
        String site = ctx.header("Sec-Fetch-Site");
        if (site != null && !site.equals("same-origin") && !site.equals("none")) {
            throw new ApiException(403, "forbidden", "the console session is for the console page only");
        }
        ConsoleSession s = sessions.current(ctx).orElseThrow(() -> ApiException.unauthorized(
                "not signed in; use Sign in on the console"));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("user", s.user());
        body.put("role", s.role());
        body.put("email", people.findPerson(s.user()).map(PersonRecord::email).orElse(null));
        body.put("csrf", s.csrf());
        body.put("expiresAt", s.expiresAt());
        ctx.header("Cache-Control", "no-store");
        ctx.json(body);
    }

    /** Signs the person out everywhere: every token and session of theirs revoked, live tunnels closed. */
    void logout(Context ctx) {
        Caller caller = auth.requirePerson(ctx);
        Instant revokedBefore = tokens.revokeAll(caller.user(), "signed out");
        // Nothing is left to re-check at the provider until the next sign-in.
        people.setRefreshToken(caller.user(), null, clock.instant());
        sessions.close(ctx);
        ctx.json(Map.of("user", caller.user(), "revokedBefore", revokedBefore));
    }

    void createToken(Context ctx) {
        Caller caller = auth.requirePerson(ctx);
        CreateTokenRequest request = reader.read(ctx, CreateTokenRequest.class, null);
        String name = request.name() == null ? "" : request.name().trim();
        if (name.isEmpty() || name.length() > 64 || !name.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
            throw ApiException.badRequest("invalid_name", "name the token (1-64 printable characters), e.g."
                    + " {\"name\":\"laptop scripts\",\"ttl\":\"8h\"}");
        }
        IssuedToken issued = tokens.issue(caller.user(), request.ttl());
        people.addPersonalToken(new PersonalToken(issued.tokenId(), caller.user(), name, issued.issuedAt(),
                issued.expiresAt(), null));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("tokenId", issued.tokenId());
        body.put("name", name);
        body.put("user", caller.user());
        body.put("token", issued.token());
        body.put("expiresAt", issued.expiresAt());
        ctx.status(201).json(body);
    }

    void listTokens(Context ctx) {
        Caller caller = auth.requirePerson(ctx);
        Instant now = clock.instant();
        ctx.json(people.personalTokens(caller.user()).stream().map(t -> {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("tokenId", t.tokenId());
            row.put("name", t.name());
            row.put("createdAt", t.createdAt());
            row.put("expiresAt", t.expiresAt());
            row.put("state", t.revokedAt() != null ? "revoked" : now.isBefore(t.expiresAt()) ? "active" : "expired");
            return row;
        }).toList());
    }

    void revokeToken(Context ctx) {
        Caller caller = auth.requirePerson(ctx);
        String id = ctx.pathParam("id");
        people.revokePersonalToken(caller.user(), id, clock.instant()).orElseThrow(() ->
                new ApiException(404, "not_found", "you have no personal token " + id));
        ctx.status(204);
    }
}
