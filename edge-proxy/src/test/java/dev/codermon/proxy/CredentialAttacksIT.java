package dev.codermon.proxy;

import static dev.codermon.proxy.ProxyFixture.ALICE_HOST;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.codermon.auth.SigningKeys;
import dev.codermon.auth.TokenVerifier;
import dev.codermon.proxy.testing.RawClient;
import dev.codermon.proxy.testing.RawClient.Response;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.UUID;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kind of bad credential, end to end through the real proxy: the status, the short reason, what
 * happens to the connection (a 407 keeps it for the retry, anything else closes it), and that the
 * recording upstream never saw the request.
 */
class CredentialAttacksIT {

    /** The header a browser sends with a sign-in link the web console opened (over http it sends no Sec-Fetch-*). */
    private static final String CONSOLE = "\r\nReferer: http://localhost:5001/";

    private static final String CAROL_HOST = "main.carol.codermon.internal";
    @RegisterExtension
    static final ProxyFixture fixture = ProxyFixture.perClass();

    @BeforeAll
    static void start() throws Exception {
        fixture.addRoute("ws-carol", "carol", "main", CAROL_HOST, fixture.upstream.socket());
    }

    private static JWTClaimsSet.Builder claims(String user) {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder().issuer(TokenVerifier.ISSUER).audience(TokenVerifier.AUDIENCE)
                .subject(user).issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(600)))
                .jwtID(UUID.randomUUID().toString());
    }

    private static String signed(UnaryOperator<JWTClaimsSet.Builder> edit, ECKey key) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).type(JOSEObjectType.JWT)
                    .keyID(key.getKeyID()).build(), edit.apply(claims("alice")).build());
            jwt.sign(new ECDSASigner(key));
            return jwt.serialize();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String signed(UnaryOperator<JWTClaimsSet.Builder> edit) {
        return signed(edit, fixture.tokens.privateKey());
    }

    private static ECKey withKeyId(ECKey key, String kid) {
        return new ECKey.Builder(key).keyID(kid).build();
    }

    private static String hmacWithPublicKey() {
        try {
            byte[] secret = Arrays.copyOf(fixture.tokens.publicKeys().toString().getBytes(StandardCharsets.UTF_8), 64);
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).type(JOSEObjectType.JWT).build(),
                    claims("alice").build());
            jwt.sign(new MACSigner(secret));
            return jwt.serialize();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Swaps the payload of a valid token for one naming another user, keeping the signature. */
    private static String forgedSubject() {
        String[] parts = fixture.token("alice").split("\\.");
        String bob = Base64.getUrlEncoder().withoutPadding().encodeToString(
                claims("bob").build().toString().getBytes(StandardCharsets.UTF_8));
        return parts[0] + "." + bob + "." + parts[2];
    }

    private static String tamperedSignature() {
        String token = fixture.token("alice");
        char last = token.charAt(token.length() - 2);
        return token.substring(0, token.length() - 2) + (last == 'A' ? 'B' : 'A') + token.charAt(token.length() - 1);
    }

    private static String basic64(String raw) {
        return "Basic " + Base64.getEncoder().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    static Stream<Arguments> badCredentials() {
        Instant past = Instant.now().minus(Duration.ofHours(2));
        return Stream.of(
                Arguments.of("missing", null, "proxy authentication required"),
                Arguments.of("unknown scheme", "Digest username=\"alice\"",
                        "unsupported proxy authorization scheme; use Basic or Bearer"),
                Arguments.of("Basic without a colon", basic64("alice" + fixture.token("alice")),
                        "malformed Basic credentials"),
                Arguments.of("Basic with bad base64", "Basic !!not*base64%%", "malformed Basic credentials"),
                Arguments.of("Basic with an empty token", basic64("alice:"), "missing token"),
                Arguments.of("Bearer with no token", "Bearer", "missing token"),
                Arguments.of("not a JWT", "Bearer not.a.jwt", "malformed token"),
                Arguments.of("a token over 4 KiB", "Bearer " + "a".repeat(5000), "token too long"),
                Arguments.of("tampered signature", "Bearer " + tamperedSignature(), "bad token signature"),
                Arguments.of("claims swapped under a valid signature", "Bearer " + forgedSubject(),
                        "bad token signature"),
                Arguments.of("signed by another key under our key id", "Bearer " + signed(c -> c,
                        withKeyId(SigningKeys.generate(), fixture.tokens.privateKey().getKeyID())), "bad token signature"),
                Arguments.of("signed by another key with an unknown key id", "Bearer " + signed(c -> c,
                        withKeyId(SigningKeys.generate(), "codermon-unknown")),
                        "token signed with an unexpected algorithm or key"),
                Arguments.of("alg none", "Bearer " + new PlainJWT(claims("alice").build()).serialize(),
                        "unsigned tokens are not accepted"),
                Arguments.of("HMAC keyed with the public key", "Bearer " + hmacWithPublicKey(),
                        "token signed with an unexpected algorithm or key"),
                Arguments.of("expired", "Bearer " + signed(c -> c.issueTime(Date.from(past))
                        .expirationTime(Date.from(past.plusSeconds(60)))), "token expired"),
                Arguments.of("not yet valid", "Bearer " + signed(c -> c.notBeforeTime(
                        Date.from(Instant.now().plusSeconds(600)))), "token not yet valid"),
                Arguments.of("issued in the future", "Bearer " + signed(c -> c.issueTime(
                        Date.from(Instant.now().plusSeconds(600)))), "token not yet valid"),
                Arguments.of("wrong audience", "Bearer " + signed(c -> c.audience("someone-else")),
                        "token has the wrong audience"),
                Arguments.of("two audiences", "Bearer " + signed(c -> c.audience(
                        java.util.List.of(TokenVerifier.AUDIENCE, "other"))), "token has the wrong audience"),
                Arguments.of("wrong issuer", "Bearer " + signed(c -> c.issuer("evil")), "token has the wrong issuer"),
                Arguments.of("no expiry", "Bearer " + signed(c -> c.expirationTime(null)),
                        "token lacks required claims"),
                Arguments.of("subject that is not a user id", "Bearer " + signed(c -> c.subject("../admin")),
                        "token subject is not a valid user id"),
                Arguments.of("bootstrap token as proxy credential", "Bearer " + fixture.tokens.issuer()
                        .issueBootstrap("alice", "ws-alice", ALICE_HOST, Duration.ofMinutes(1)).token(),
                        "token has the wrong audience"),
                Arguments.of("Basic user name of someone else", RawClient.basic("bob", fixture.token("alice")),
                        "user name does not match the token"));
    }

    @ParameterizedTest(name = "{0}: 407")
    @MethodSource("badCredentials")
    void bad_credentials_get_407_the_connection_stays_for_a_retry_and_nothing_is_forwarded(String name,
            String authorization, String reason) throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            Response refused = client.send(get(authorization)).readResponse();
            assertEquals(407, refused.status(), name + ": " + refused.text());
            assertEquals(reason, refused.text(), name);
            assertEquals("Basic realm=\"codermon\"", refused.header("proxy-authenticate"), name);
            assertEquals(String.valueOf(refused.body().length), refused.header("content-length"), name);
            assertTrue(fixture.upstream.seen().isEmpty(), name + ": upstream saw a refused request");
            // The browser's retry on the same connection works.
            Response retry = client.send(get("Bearer " + fixture.token("alice"))).readResponse();
            assertEquals(200, retry.status(), name);
        }
        assertEquals(1, fixture.upstream.seen().size(), name);
    }

    @Test
    void another_users_valid_token_gets_403_and_the_connection_is_closed() throws IOException {
        try (RawClient client = new RawClient(fixture.port())) {
            Response refused = client.send(get("Bearer " + fixture.token("bob"))).readResponse();
            assertEquals(403, refused.status());
            assertEquals("no running workspace of yours at this host", refused.text());
            assertEquals("close", refused.header("connection"));
            assertTrue(client.closedByPeer());
        }
        assertTrue(fixture.upstream.seen().isEmpty());
    }

    @Test
    void revoked_token_gets_407_within_two_seconds_and_a_new_one_works() throws Exception {
        String old = fixture.token("carol");
        // Tokens carry whole seconds: revoke what was issued before the next second, and mint after it.
        Instant cut = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).plusSeconds(1);
        Thread.sleep(Math.max(0, java.time.Duration.between(Instant.now(), cut).toMillis()) + 50);
        fixture.controlPlaneStore.revokeTokens("carol", cut);
        String request = "GET http://" + CAROL_HOST + "/ HTTP/1.1\r\nHost: " + CAROL_HOST
                + "\r\nProxy-Authorization: Bearer ";
        Response last = null;
        long end = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (System.nanoTime() < end) {
            try (RawClient client = new RawClient(fixture.port())) {
                last = client.send(request + old + "\r\n\r\n").readResponse();
            } catch (java.io.EOFException e) {
                // The revocation closes carol's live connections, this one too if it was still in flight.
                continue;
            }
            if (last.status() == 407) {
                break;
            }
            Thread.sleep(100);
        }
        assertEquals(407, last.status());
        assertEquals("token revoked", last.text());
        fixture.upstream.clear();
        try (RawClient client = new RawClient(fixture.port())) {
            assertEquals(200, client.send(request + fixture.token("carol") + "\r\n\r\n").readResponse().status());
        }
    }

    @Test
    void replayed_sign_in_link_gets_403_and_nothing_is_forwarded() throws IOException {
        String link = fixture.tokens.issuer().issueBootstrap("alice", "ws-alice", ALICE_HOST,
                Duration.ofMinutes(1)).token();
        String request = "GET http://" + ALICE_HOST + "/__codermon/auth?token=" + link + " HTTP/1.1\r\nHost: "
                + ALICE_HOST + CONSOLE + "\r\n\r\n";
        try (RawClient client = new RawClient(fixture.port())) {
            assertEquals(302, client.send(request).readResponse().status());
        }
        try (RawClient client = new RawClient(fixture.port())) {
            Response replay = client.send(request).readResponse();
            assertEquals(403, replay.status());
            assertEquals("this sign-in link was already used", replay.text());
            assertTrue(client.closedByPeer());
        }
        assertTrue(fixture.upstream.seen().isEmpty());
    }

    private static String get(String authorization) {
        return "GET http://" + ALICE_HOST + "/ HTTP/1.1\r\nHost: " + ALICE_HOST + "\r\n"
                + (authorization == null ? "" : "Proxy-Authorization: " + authorization + "\r\n") + "\r\n";
    }
}
