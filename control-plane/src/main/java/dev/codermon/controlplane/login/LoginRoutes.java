package dev.codermon.controlplane.login;

import com.nimbusds.openid.connect.sdk.claims.IDTokenClaimsSet;
import dev.codermon.auth.route.PeopleStore;
import dev.codermon.auth.route.PersonRecord;
import dev.codermon.controlplane.api.ConsoleSessions;
import dev.codermon.controlplane.api.TokenService;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.util.Optional;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the OpenID Connect sign-in: {@code GET /login} sends the browser to the provider, and
 * {@code GET /login/callback} checks its answer (state bound to this browser by a cookie, used once; the code
 * exchanged with PKCE; the ID token validated), admits the person, opens a console session and returns to the
 * console. Every refusal is a plain-text page saying why, and opens no session. A person the provider no
 * longer lets in (a failed group or domain check on a later sign-in) loses every token and session.
 */
public final class LoginRoutes {

    private static final Logger log = LoggerFactory.getLogger(LoginRoutes.class);
    static final String STATE_COOKIE = "codermon_login";

    private final OidcSettings settings;
    private final OidcClient client;
    private final PendingLogins pending;
    private final SignInPolicy policy;
    private final PeopleStore people;
    private final ConsoleSessions sessions;
    private final TokenService tokens;
    private final Predicate<String> nameTaken;
    private final Clock clock;

    private LoginRoutes(OidcSettings settings, PeopleStore people, ConsoleSessions sessions, TokenService tokens,
            Predicate<String> nameTaken, Clock clock) {
        this.settings = settings;
        this.client = new OidcClient(settings);
        this.pending = new PendingLogins(clock);
        this.policy = new SignInPolicy(settings);
        this.people = people;
        this.sessions = sessions;
        this.tokens = tokens;
        this.nameTaken = nameTaken;
        this.clock = clock;
    }

    /**
     * Adds {@code /login} and {@code /login/callback}.
     *
     * @param nameTaken whether a user name is already used outside the people table (e.g. by workspaces of a
     *                  user whose tokens the admin minted), so that no two people share one name
     */
    public static void register(RoutesConfig routes, OidcSettings settings, PeopleStore people,
            ConsoleSessions sessions, TokenService tokens, Predicate<String> nameTaken, Clock clock) {
        LoginRoutes login = new LoginRoutes(settings, people, sessions, tokens, nameTaken, clock);
        routes.get("/login", login::start);
        routes.get(OidcSettings.CALLBACK_PATH, login::callback);
    }

    /** Adds {@code /login} and {@code /login/callback} answering that OpenID Connect is not configured. */
    public static void registerUnconfigured(RoutesConfig routes) {
        LoginFailure off = new LoginFailure(404, "OpenID Connect is not configured here (CODERMON_OIDC_ISSUER);"
                + " sign in to the console with a token or the admin key");
        routes.get("/login", ctx -> refuse(ctx, off));
        routes.get(OidcSettings.CALLBACK_PATH, ctx -> refuse(ctx, off));
    }

    private void start(Context ctx) {
        try {
            PendingLogins.Pending p = pending.begin();
            String url = client.authorizationUrl(p.state(), p.nonce(), p.verifier()).toString();
            ctx.res().addHeader("Set-Cookie", STATE_COOKIE + "=" + p.state().getValue() + "; Path=/login; HttpOnly;"
                    + " SameSite=Lax; Max-Age=" + PendingLogins.LIFETIME.toSeconds()
                    + (settings.secureConsole() ? "; Secure" : ""));
            ctx.header("Cache-Control", "no-store");
            ctx.redirect(url, io.javalin.http.HttpStatus.FOUND);
        } catch (LoginFailure e) {
            refuse(ctx, e);
        }
    }

    private void callback(Context ctx) {
        try {
            ctx.res().addHeader("Set-Cookie", STATE_COOKIE + "=; Path=/login; HttpOnly; SameSite=Lax; Max-Age=0");
            ctx.header("Cache-Control", "no-store");
            String error = ctx.queryParam("error");
            if (error != null) {
                String why = ctx.queryParam("error_description");
                throw new LoginFailure(400, "the identity provider did not sign you in (" + error
                        + (why == null ? "" : ": " + why) + ")");
            }
            String state = ctx.queryParam("state");
            if (state == null || state.isEmpty()) {
                throw new LoginFailure(400, "the sign-in answer carries no state; start again from the console");
            }
            String mine = ctx.cookie(STATE_COOKIE);
            if (mine == null || !mine.equals(state)) {
                throw new LoginFailure(400, "the sign-in answer's state does not match a sign-in this browser"
                        + " started; start again from the console");
            }
            PendingLogins.Pending p = pending.take(state).orElseThrow(() -> new LoginFailure(400,
                    "this sign-in was already used or has expired; start again from the console"));
            String code = ctx.queryParam("code");
            if (code == null || code.isEmpty()) {
                throw new LoginFailure(400, "the sign-in answer carries no code; start again from the console");
            }
            OidcClient.Exchanged exchanged = client.exchange(code, p.nonce(), p.verifier());
            IDTokenClaimsSet claims = exchanged.claims();
            PersonRecord person = admit(claims);
            // Kept for the periodic re-check at the provider (ProviderRecheck); none given: checked at sign-in only.
            people.setRefreshToken(person.name(), exchanged.refreshToken(), clock.instant());
            sessions.open(ctx, person.name(), person.role());
            log.info("{} signed in through OpenID Connect as {} ({})", person.name(), person.role(),
                    claims.getIssuer().getValue());
            ctx.redirect("/", io.javalin.http.HttpStatus.SEE_OTHER);
        } catch (LoginFailure e) {
            refuse(ctx, e);
        }
    }

    private PersonRecord admit(IDTokenClaimsSet claims) {
        String issuer = claims.getIssuer().getValue();
        String subject = claims.getSubject().getValue();
        SignInPolicy.Admitted admitted;
        try {
            admitted = policy.admit(claims);
        } catch (LoginFailure refused) {
            Optional<PersonRecord> known = people.findPerson(issuer, subject);
            if (known.isPresent()) {
                // The provider no longer lets them in: end what they still hold.
                people.setDisabled(known.get().name(), true);
                people.setRefreshToken(known.get().name(), null, clock.instant());
                tokens.revokeAll(known.get().name(), "refused at sign-in: " + refused.getMessage());
            }
            throw refused;
        }
        PersonRecord person = people.signIn(issuer, subject, admitted.email(), admitted.role(), clock.instant(),
                admitted.names(), nameTaken);
        if (person.disabled()) {
            people.setDisabled(person.name(), false);
        }
        return person;
    }

    private static void refuse(Context ctx, LoginFailure e) {
        log.info("sign-in refused ({}): {}", e.status(), e.getMessage());
        ctx.header("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
        ctx.header("X-Frame-Options", "DENY");
        ctx.status(e.status()).contentType("text/plain; charset=utf-8")
                .result("Sign-in refused: " + e.getMessage() + "\n\nBack to the console: /\n");
    }
}
