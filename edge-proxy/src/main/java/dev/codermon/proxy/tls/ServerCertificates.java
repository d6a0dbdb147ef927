package dev.codermon.proxy.tls;

import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLException;

/**
 * Hands out a server-side TLS context per workspace host, minting its certificate with the local CA
 * on the given executor (never on an event loop) and caching it well inside its validity. Thread-safe.
 */
public final class ServerCertificates {

    private static final long MAX_HOSTS = 10_000;
    /** Re-mint long before the thirty days run out, so no client ever sees an expired certificate. */
    private static final Duration REUSE = Duration.ofDays(7);

    private final CertificateAuthority authority;
    private final KeyPair serverKey = CertificateAuthority.newKeyPair();
    private final AsyncLoadingCache<String, SslContext> contexts;

    /**
     * Loads the local CA from its directory, creating it on first start, and hands out certificates it
     * signs for hosts under the domain; minting runs on the executor (owned by the caller).
     */
    public static ServerCertificates fromLocalCa(Path caDir, String domain, Clock clock, Executor executor) {
        return new ServerCertificates(CertificateAuthority.loadOrCreate(caDir, domain, clock), executor);
    }

    /** Creates the cache; minting runs on the executor (owned by the caller). */
    ServerCertificates(CertificateAuthority authority, Executor executor) {
        this.authority = authority;
        this.contexts = Caffeine.newBuilder()
                .executor(executor)
                .maximumSize(MAX_HOSTS)
                .expireAfterWrite(REUSE)
                .buildAsync(this::mint);
    }

    /** Returns the TLS context for the host, minting its certificate first if needed. */
    public CompletableFuture<SslContext> forHost(String hostname) {
        return contexts.get(hostname);
    }

    /** Returns the PEM file of the local CA's certificate, which clients install to trust the proxy's TLS. */
    public Path caCertificateFile() {
        return authority.certificateFile();
    }

    private SslContext mint(String hostname) throws SSLException {
        X509Certificate leaf = authority.issueServerCertificate(hostname, serverKey.getPublic());
        return SslContextBuilder.forServer(serverKey.getPrivate(), authority.chain(leaf).toArray(X509Certificate[]::new))
                .protocols("TLSv1.3", "TLSv1.2")
                // The JDK's engine, as before netty-tcnative came in for the relay (Netty would pick
                // BoringSSL by default now); moving https to it is a change of its own, with a benchmark.
                .sslProvider(SslProvider.JDK)
                .build();
    }
}
