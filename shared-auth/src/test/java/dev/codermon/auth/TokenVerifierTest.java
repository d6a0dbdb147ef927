package dev.codermon.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.PlainHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.codermon.auth.testing.TestTokens;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Date;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class TokenVerifierTest {

    private final TestTokens tokens = new TestTokens();
    private final TokenVerifier verifier = tokens.verifier();

    private JWTClaimsSet.Builder validClaims() {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder()
                .issuer(TokenVerifier.ISSUER)
                .audience(TokenVerifier.AUDIENCE)
                .subject("alice")
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plusSeconds(600)))
                .jwtID(UUID.randomUUID().toString());
    }

    private String sign(JWTClaimsSet claims, ECKey key) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).type(JOSEObjectType.JWT)
                .keyID(key.getKeyID()).build(), claims);
        jwt.sign(new ECDSASigner(key));
        return jwt.serialize();
    }

    private String reason(String token) {
        return assertThrows(InvalidTokenException.class, () -> verifier.verify(token)).getMessage();
    }

    @Test
    void issued_token_verifies_to_its_user() throws Exception {
        IssuedToken issued = tokens.issuer().issue("alice", Duration.ofMinutes(5));
        Principal p = verifier.verify(issued.token());
        assertEquals("alice", p.user());
        assertEquals(issued.tokenId(), p.tokenId());
        assertEquals(issued.expiresAt(), p.expiresAt());
    }

    @Test
    void hand_signed_valid_claims_verify() throws Exception {
        assertEquals("alice", verifier.verify(sign(validClaims().build(), tokens.privateKey())).user());
    }

    @Test
    void token_signed_by_another_key_is_refused() throws Exception {
        ECKey other = SigningKeys.generate();
        // Under its own key id: no such key here.
        assertEquals("token signed with an unexpected algorithm or key", reason(sign(validClaims().build(), other)));
        // Claiming our key id: the signature does not verify with our key.
        ECKey posing = new ECKey.Builder(other).keyID(tokens.privateKey().getKeyID()).build();
        assertEquals("bad token signature", reason(sign(validClaims().build(), posing)));
    }

    @Test
    void tampered_signature_is_refused() throws Exception {
        String token = sign(validClaims().build(), tokens.privateKey());
        String[] parts = token.split("\\.");
        String forgedClaims = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                validClaims().subject("bob").build().toString().getBytes(StandardCharsets.UTF_8));
        assertEquals("bad token signature", reason(parts[0] + "." + forgedClaims + "." + parts[2]));
    }

    @Test
    void unsigned_alg_none_token_is_refused() {
        String token = new PlainJWT(new PlainHeader(), validClaims().build()).serialize();
        assertEquals("unsigned tokens are not accepted", reason(token));
    }

    @Test
    void hmac_token_keyed_with_the_public_key_is_refused() throws Exception {
        byte[] secret = Arrays.copyOf(tokens.publicKeys().toString().getBytes(StandardCharsets.UTF_8), 64);
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).type(JOSEObjectType.JWT).build(),
                validClaims().build());
        jwt.sign(new MACSigner(secret));
        assertEquals("token signed with an unexpected algorithm or key", reason(jwt.serialize()));
    }

    @Test
    void expired_token_is_refused() throws Exception {
        Instant past = Instant.now().minusSeconds(3600);
        String token = sign(validClaims().issueTime(Date.from(past))
                .expirationTime(Date.from(past.plusSeconds(60))).build(), tokens.privateKey());
        assertEquals("token expired", reason(token));
    }

    @Test
    void expiry_within_clock_skew_is_accepted() throws Exception {
        String token = sign(validClaims().expirationTime(Date.from(Instant.now().minusSeconds(5))).build(),
                tokens.privateKey());
        assertEquals("alice", verifier.verify(token).user());
    }

    @Test
    void a_verifier_allows_no_more_skew_than_single_use_marks_outlive_their_tokens() {
        Clock clock = Clock.systemUTC();
        assertThrows(IllegalArgumentException.class, () -> new TokenVerifier(tokens.publicKeys(), clock,
                TokenVerifier.MAX_CLOCK_SKEW.plusMillis(1)));
        assertThrows(IllegalArgumentException.class, () -> new TokenVerifier(tokens.publicKeys(), clock,
                Duration.ofSeconds(-1)));
        assertEquals(TokenVerifier.MAX_CLOCK_SKEW, TokenVerifier.DEFAULT_CLOCK_SKEW);
    }

    @Test
    void expiry_just_before_the_maximum_skew_is_accepted_and_at_it_refused() throws Exception {
        Instant now = Instant.parse("2030-01-01T00:00:00Z");
        TokenVerifier fixed = new TokenVerifier(tokens.publicKeys(), Clock.fixed(now, ZoneOffset.UTC),
                TokenVerifier.MAX_CLOCK_SKEW);
        String within = sign(validClaims().issueTime(Date.from(now.minusSeconds(600)))
                .expirationTime(Date.from(now.minus(TokenVerifier.MAX_CLOCK_SKEW).plusSeconds(1))).build(),
                tokens.privateKey());
        assertEquals("alice", fixed.verify(within).user());
        String beyond = sign(validClaims().issueTime(Date.from(now.minusSeconds(600)))
                .expirationTime(Date.from(now.minus(TokenVerifier.MAX_CLOCK_SKEW))).build(), tokens.privateKey());
        assertThrows(InvalidTokenException.class, () -> fixed.verify(beyond));
    }

    @Test
    void not_yet_valid_token_is_refused() throws Exception {
        String token = sign(validClaims().notBeforeTime(Date.from(Instant.now().plusSeconds(600))).build(),
                tokens.privateKey());
        assertEquals("token not yet valid", reason(token));
    }

    @Test
    void token_without_exp_is_refused() throws Exception {
        String token = sign(validClaims().expirationTime(null).build(), tokens.privateKey());
        assertEquals("token lacks required claims", reason(token));
    }

    @Test
    void token_without_jti_is_refused() throws Exception {
        String token = sign(validClaims().jwtID(null).build(), tokens.privateKey());
        assertEquals("token lacks required claims", reason(token));
    }

    @Test
    void wrong_audience_is_refused() throws Exception {
        assertEquals("token has the wrong audience",
                reason(sign(validClaims().audience("someone-else").build(), tokens.privateKey())));
    }

    @Test
    void wrong_issuer_is_refused() throws Exception {
        assertEquals("token has the wrong issuer",
                reason(sign(validClaims().issuer("mallory").build(), tokens.privateKey())));
    }

    @Test
    void subject_that_is_not_a_user_id_is_refused() throws Exception {
        assertEquals("token subject is not a valid user id",
                reason(sign(validClaims().subject("../../etc").build(), tokens.privateKey())));
    }

    @Test
    void garbage_and_empty_tokens_are_refused() {
        assertEquals("malformed token", reason("not-a-jwt"));
        assertEquals("missing token", reason(""));
        assertEquals("token too long", reason("a".repeat(5000)));
    }

    @Test
    void verifier_uses_its_clock() {
        Instant later = Instant.now().plus(Duration.ofHours(2));
        TokenVerifier future = new TokenVerifier(tokens.publicKeys(), Clock.fixed(later, ZoneOffset.UTC),
                TokenVerifier.DEFAULT_CLOCK_SKEW);
        String token = tokens.tokenFor("alice");
        assertEquals("token expired",
                assertThrows(InvalidTokenException.class, () -> future.verify(token)).getMessage());
    }

    @Test
    void public_key_set_carries_no_private_material() {
        JWKSet set = tokens.publicKeys();
        assertEquals(1, set.getKeys().size());
        assertEquals(false, set.getKeys().get(0).isPrivate());
    }
}
