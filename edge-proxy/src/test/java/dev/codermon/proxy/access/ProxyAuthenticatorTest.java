package dev.codermon.proxy.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.codermon.auth.Principal;
import dev.codermon.auth.testing.TestTokens;
import dev.codermon.proxy.access.ProxyAuthenticator.AuthenticationException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class ProxyAuthenticatorTest {

    private final TestTokens tokens = new TestTokens();
    private final ProxyAuthenticator authenticator = new ProxyAuthenticator(tokens.verifier());

    private static String basic(String userColonToken) {
        return "Basic " + Base64.getEncoder().encodeToString(userColonToken.getBytes(StandardCharsets.UTF_8));
    }

    private String reason(String header) {
        return assertThrows(AuthenticationException.class, () -> authenticator.authenticate(header)).getMessage();
    }

    @Test
    void basic_with_matching_user_is_accepted() throws Exception {
        Principal p = authenticator.authenticate(basic("alice:" + tokens.tokenFor("alice")));
        assertEquals("alice", p.user());
    }

    @Test
    void basic_with_empty_user_is_accepted() throws Exception {
        assertEquals("alice", authenticator.authenticate(basic(":" + tokens.tokenFor("alice"))).user());
    }

    @Test
    void bearer_is_accepted_in_any_case() throws Exception {
        assertEquals("bob", authenticator.authenticate("bearer " + tokens.tokenFor("bob")).user());
        assertEquals("bob", authenticator.authenticate("Bearer " + tokens.tokenFor("bob")).user());
    }

    @Test
    void missing_header_asks_for_authentication() {
        assertEquals("proxy authentication required", reason(null));
        assertEquals("proxy authentication required", reason("  "));
    }

    @Test
    void malformed_base64_is_refused() {
        assertEquals("malformed Basic credentials", reason("Basic %%%not-base64"));
    }

    @Test
    void basic_without_colon_is_refused() {
        assertEquals("malformed Basic credentials", reason(basic("justatoken")));
    }

    @Test
    void empty_tokens_are_refused() {
        assertEquals("missing token", reason(basic("alice:")));
        assertEquals("missing token", reason("Bearer "));
    }

    @Test
    void user_mismatch_is_refused() {
        assertEquals("user name does not match the token", reason(basic("bob:" + tokens.tokenFor("alice"))));
    }

    @Test
    void unknown_scheme_is_refused() {
        assertEquals("unsupported proxy authorization scheme; use Basic or Bearer", reason("Digest abc"));
    }

    @Test
    void token_from_another_key_is_refused() {
        // Another key has another key id (they carry the key's thumbprint): no such key here.
        String foreign = new TestTokens().tokenFor("alice");
        assertEquals("token signed with an unexpected algorithm or key", reason("Bearer " + foreign));
    }

    @Test
    void cached_verification_still_expires_with_the_token() throws Exception {
        MutableClock clock = new MutableClock(Instant.now());
        ProxyAuthenticator cached = new ProxyAuthenticator(tokens.verifier(), clock);
        String header = "Bearer " + tokens.tokenFor("alice");
        assertEquals("alice", cached.authenticate(header).user());
        clock.now = clock.now.plus(Duration.ofHours(2));
        AuthenticationException e = assertThrows(AuthenticationException.class, () -> cached.authenticate(header));
        assertEquals("token expired", e.getMessage());
        assertEquals(407, e.refusal().status().code());
    }

    @Test
    void credentials_never_show_the_token() throws Exception {
        String token = tokens.tokenFor("alice");
        String shown = ProxyCredentials.parse("Bearer " + token).toString();
        assertEquals(-1, shown.indexOf(token));
    }

    private static final class MutableClock extends Clock {
        Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
