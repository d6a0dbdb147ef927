package dev.codermon.bench;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import dev.codermon.auth.Principal;
import dev.codermon.auth.SigningKeys;
import dev.codermon.auth.TokenIssuer;
import dev.codermon.auth.TokenVerifier;
import dev.codermon.proxy.access.ProxyAuthenticator;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Shows what a busy proxy connection pays per request for authentication: a full ES256 signature
 * check every time, against the proxy's authenticator, which verifies a token once and then only
 * looks it up (and re-checks its expiry) for every later request carrying the same header.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TokenVerificationBenchmark {

    private TokenVerifier verifier;
    private ProxyAuthenticator authenticator;
    private String token;
    private String basicHeader;

    @Setup
    public void setUp() throws Exception {
        ECKey key = SigningKeys.generate();
        verifier = new TokenVerifier(new JWKSet(key.toPublicJWK()));
        authenticator = new ProxyAuthenticator(verifier);
        token = new TokenIssuer(key, Clock.systemUTC()).issue("alice", Duration.ofHours(1)).token();
        basicHeader = "Basic " + Base64.getEncoder().encodeToString(("alice:" + token)
                .getBytes(StandardCharsets.UTF_8));
        authenticator.authenticate(basicHeader);
    }

    /** Verifies the ES256 signature and claims on every call: the cost without amortisation. */
    @Benchmark
    public Principal signatureCheckEveryRequest() throws Exception {
        return verifier.verify(token);
    }

    /** Authenticates the same Proxy-Authorization header as a keep-alive connection sends it. */
    @Benchmark
    public Principal proxyAuthenticatorSameHeader() throws Exception {
        return authenticator.authenticate(basicHeader);
    }
}
