package dev.codermon.controlplane.api;

import dev.codermon.auth.route.PeopleStore;
import java.time.Clock;

/** Carries what the person endpoints need when people sign in through OpenID Connect. */
public record PersonEndpoints(ConsoleSessions sessions, PeopleStore people, TokenService tokens,
        com.fasterxml.jackson.databind.ObjectMapper mapper) {

    PersonController controller(ApiAuthenticator auth) {
        return new PersonController(auth, sessions, people, tokens, new JsonRequestReader(mapper),
                Clock.systemUTC());
    }
}
