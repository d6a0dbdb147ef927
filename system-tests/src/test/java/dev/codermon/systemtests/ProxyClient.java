package dev.codermon.systemtests;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import okhttp3.ConnectionPool;
import okhttp3.Cookie;
import okhttp3.CookieJar;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * An HTTP client going through a Codermon proxy the way curl -x does: a new connection per request, no
 * redirects followed unless asked, no retries, credentials (Basic or Bearer) in Proxy-Authorization on
 * plain requests and on the CONNECT of https ones.
 */
final class ProxyClient {

    /** What came back; status -1 when the request failed (body then says why). */
    record Reply(int status, String body, Headers headers) {
    }

    private final String proxyHost;
    private final int proxyPort;
    private final String credentials;
    private boolean followRedirects;
    private Path caCert;
    private CookieJar cookies = CookieJar.NO_COOKIES;
    private Duration timeout = Duration.ofSeconds(30);
    private OkHttpClient client;

    private ProxyClient(int proxyPort, String credentials) {
        this("127.0.0.1", proxyPort, credentials);
    }

    private ProxyClient(String proxyHost, int proxyPort, String credentials) {
        this.proxyHost = proxyHost;
        this.proxyPort = proxyPort;
        this.credentials = credentials;
    }

    /** A client sending no proxy credentials. */
    static ProxyClient anonymous(Codermon c) {
        return new ProxyClient(c.proxyPort, null);
    }

    /** A client sending {@code Basic user:password}. */
    static ProxyClient basic(Codermon c, String user, String password) {
        return new ProxyClient(c.proxyPort,
                "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes()));
    }

    /** A client sending {@code Bearer token}. */
    static ProxyClient bearer(Codermon c, String token) {
        return new ProxyClient(c.proxyPort, "Bearer " + token);
    }

    /** A client of the proxy at host:port sending {@code Bearer token} (no credentials when token is null). */
    static ProxyClient bearer(String proxyHost, int proxyPort, String token) {
        return new ProxyClient(proxyHost, proxyPort, token == null ? null : "Bearer " + token);
    }

    /** Gives up on a request after this long (30 s unless told). */
    ProxyClient timeout(Duration d) {
        timeout = d;
        client = null;
        return this;
    }

    /** Follows redirects (curl -L). */
    ProxyClient followingRedirects() {
        followRedirects = true;
        client = null;
        return this;
    }

    /** Trusts this CA for https through the proxy (curl --cacert). */
    ProxyClient trusting(Path ca) {
        caCert = ca;
        client = null;
        return this;
    }

    /** Keeps cookies across requests (curl -c jar -b jar). */
    ProxyClient withCookies() {
        cookies = new MemoryCookieJar();
        client = null;
        return this;
    }

    int status(String url) {
        return get(url).status();
    }

    String body(String url) {
        return get(url).body();
    }

    Reply get(String url, String... headers) {
        return send(new Request.Builder().url(url).headers(Headers.of(headers)).get().build());
    }

    Reply post(String url, String body) {
        return send(new Request.Builder().url(url).post(RequestBody.create(body.getBytes(), null)).build());
    }

    Reply send(Request request) {
        try (Response r = client().newCall(request).execute()) {
            return new Reply(r.code(), r.body().string(), r.headers());
        } catch (IOException e) {
            return new Reply(-1, e.toString(), Headers.of());
        }
    }

    private OkHttpClient client() {
        if (client == null) {
            OkHttpClient.Builder b = new OkHttpClient.Builder()
                    .proxy(new Proxy(Proxy.Type.HTTP, new InetSocketAddress(proxyHost, proxyPort)))
                    .connectionPool(new ConnectionPool(0, 1, java.util.concurrent.TimeUnit.SECONDS))
                    .protocols(List.of(Protocol.HTTP_1_1))
                    .followRedirects(followRedirects).followSslRedirects(followRedirects)
                    .retryOnConnectionFailure(false).callTimeout(timeout).readTimeout(timeout).connectTimeout(timeout)
                    .cookieJar(cookies);
            if (credentials != null) {
                b.addNetworkInterceptor(chain -> chain.proceed(chain.request().isHttps() ? chain.request()
                        : chain.request().newBuilder().header("Proxy-Authorization", credentials).build()));
                // Called before each CONNECT (preemptively) and on a 407: credentials once, never twice.
                b.proxyAuthenticator((route, response) -> response.request().header("Proxy-Authorization") != null
                        ? null : response.request().newBuilder().header("Proxy-Authorization", credentials).build());
            }
            if (caCert != null) {
                trust(b, caCert);
            }
            client = b.build();
        }
        return client;
    }

    private static void trust(OkHttpClient.Builder b, Path ca) {
        try (InputStream in = Files.newInputStream(ca)) {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            store.setCertificateEntry("codermon", CertificateFactory.getInstance("X.509").generateCertificate(in));
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            X509TrustManager tm = (X509TrustManager) tmf.getTrustManagers()[0];
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, new javax.net.ssl.TrustManager[] {tm}, null);
            b.sslSocketFactory(ssl.getSocketFactory(), tm);
        } catch (Exception e) {
            throw new IllegalStateException("cannot trust " + ca + ": " + e.getMessage(), e);
        }
    }

    /** Cookies kept in memory, sent back by OkHttp's own matching rules. */
    private static final class MemoryCookieJar implements CookieJar {
        private final List<Cookie> cookies = new ArrayList<>();

        @Override
        public synchronized void saveFromResponse(HttpUrl url, List<Cookie> received) {
            for (Cookie c : received) {
                cookies.removeIf(old -> old.name().equals(c.name()) && old.domain().equals(c.domain())
                        && old.path().equals(c.path()));
                cookies.add(c);
            }
        }

        @Override
        public synchronized List<Cookie> loadForRequest(HttpUrl url) {
            return cookies.stream().filter(c -> c.matches(url)).toList();
        }
    }
}
