package dev.codermon.controlplane;

import dev.codermon.auth.DurationText;
import dev.codermon.auth.WorkspaceDomain;
import dev.codermon.controlplane.api.AdminKey;
import dev.codermon.controlplane.runtime.RuntimeSettings;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Holds the control plane's settings, validated on construction.
 *
 * @param home          the data directory shared with the proxy
 * @param bind          the address the API listens on
 * @param port          the API port (0 picks a free one)
 * @param domain        the suffix of workspace hostnames ({@code <name>.<user>.<domain>}), parsed once
 * @param proxyUrl      the HTTP proxy clients are told to use
 * @param codeServerBin the code-server executable (a path, or a name looked up on PATH)
 * @param tokenTtl      the default and maximum lifetime of user tokens
 * @param readyTimeout  how long a workspace may take to answer its health endpoint
 * @param adminKey      the admin API key, or empty to use (and create) the one in the data directory
 * @param policy        limits, monitor and API access settings
 * @param runtime       which workspace runtime, its image and container limits
 */
record ControlPlaneConfig(
        Path home,
        String bind,
        int port,
        WorkspaceDomain domain,
        URI proxyUrl,
        String codeServerBin,
        Duration tokenTtl,
        Duration readyTimeout,
        Optional<String> adminKey,
        PolicySettings policy,
        RuntimeSettings runtime) {

    private static final Duration MAX_TOKEN_TTL = Duration.ofDays(30);
    private static final Duration MAX_READY_TIMEOUT = Duration.ofHours(1);

    public ControlPlaneConfig {
        Objects.requireNonNull(home, "home");
        home = home.toAbsolutePath().normalize();
        if (bind == null || bind.isBlank()) {
            throw new IllegalArgumentException("--bind / CODERMON_CP_BIND must name an address, e.g. 127.0.0.1");
        }
        bind = bind.trim();
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port / CODERMON_CP_PORT must be 0-65535 (0 picks a free port), was "
                    + port);
        }
        Objects.requireNonNull(domain, "domain");
        proxyUrl = validProxyUrl(proxyUrl);
        if (codeServerBin == null || codeServerBin.isBlank()) {
            throw new IllegalArgumentException("--code-server / CODERMON_CODE_SERVER_BIN must name the code-server"
                    + " executable");
        }
        requireWithin("--token-ttl / CODERMON_TOKEN_TTL", tokenTtl, MAX_TOKEN_TTL);
        requireWithin("--ready-timeout / CODERMON_READY_TIMEOUT", readyTimeout, MAX_READY_TIMEOUT);
        adminKey = Objects.requireNonNull(adminKey, "adminKey").filter(k -> !k.isBlank()).map(String::trim);
        if (adminKey.isPresent() && adminKey.get().length() < AdminKey.MIN_LENGTH) {
            throw new IllegalArgumentException("--admin-key / CODERMON_ADMIN_KEY must be at least "
                    + AdminKey.MIN_LENGTH + " characters; leave it unset to have one generated");
        }
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(runtime, "runtime");
    }

    /**
     * Creates the config from the domain as written in flags or the environment.
     *
     * @throws IllegalArgumentException naming the bad setting and what is expected
     */
    public ControlPlaneConfig(Path home, String bind, int port, String domain, URI proxyUrl, String codeServerBin,
            Duration tokenTtl, Duration readyTimeout, Optional<String> adminKey, PolicySettings policy,
            RuntimeSettings runtime) {
        this(home, bind, port, WorkspaceDomain.parse("--domain / CODERMON_DOMAIN", domain), proxyUrl, codeServerBin,
                tokenTtl, readyTimeout, adminKey, policy, runtime);
    }

    /** Returns a config with every default, rooted at the given data directory. */
    public static ControlPlaneConfig defaults(Path home) {
        return new ControlPlaneConfig(home, "127.0.0.1", 5001, WorkspaceDomain.DEFAULT,
                URI.create("http://localhost:5000"), "code-server", Duration.ofHours(8), Duration.ofSeconds(90),
                Optional.empty(), PolicySettings.defaults(), RuntimeSettings.defaults());
    }

    /** Returns a copy listening on the given port. */
    public ControlPlaneConfig withPort(int newPort) {
        return new ControlPlaneConfig(home, bind, newPort, domain, proxyUrl, codeServerBin, tokenTtl, readyTimeout,
                adminKey, policy, runtime);
    }

    /** Returns a copy that launches the given code-server executable. */
    ControlPlaneConfig withCodeServerBin(String bin) {
        return new ControlPlaneConfig(home, bind, port, domain, proxyUrl, bin, tokenTtl, readyTimeout, adminKey,
                policy, runtime);
    }

    /** Returns a copy with the given readiness timeout. */
    ControlPlaneConfig withReadyTimeout(Duration timeout) {
        return new ControlPlaneConfig(home, bind, port, domain, proxyUrl, codeServerBin, tokenTtl, timeout,
                adminKey, policy, runtime);
    }

    /** Returns a copy with other limits, monitor and access settings. */
    public ControlPlaneConfig withPolicy(PolicySettings newPolicy) {
        return new ControlPlaneConfig(home, bind, port, domain, proxyUrl, codeServerBin, tokenTtl, readyTimeout,
                adminKey, newPolicy, runtime);
    }

    /** Returns a copy with other runtime settings. */
    ControlPlaneConfig withRuntime(RuntimeSettings newRuntime) {
        return new ControlPlaneConfig(home, bind, port, domain, proxyUrl, codeServerBin, tokenTtl, readyTimeout,
                adminKey, policy, newRuntime);
    }

    /** Returns the hostname of a user's workspace. */
    public String hostnameOf(String user, String name) {
        return domain.hostnameOf(user, name);
    }

    @Override
    public String toString() {
        // Never print the admin key.
        return "ControlPlaneConfig[home=" + home + ", bind=" + bind + ", port=" + port + ", domain=" + domain
                + ", proxyUrl=" + proxyUrl + ", codeServerBin=" + codeServerBin + ", tokenTtl="
                + DurationText.format(tokenTtl) + ", readyTimeout=" + DurationText.format(readyTimeout)
                + ", adminKey=" + (adminKey.isPresent() ? "(given)" : "(from data directory)") + ", " + policy + ", "
                + runtime + "]";
    }

    /** Parses a proxy URL as given on the command line or in the environment. */
    static URI parseProxyUrl(String text) {
        try {
            return new URI(text == null ? "" : text.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--proxy-url / CODERMON_PROXY_URL '" + text
                    + "' is not a URL; use e.g. http://localhost:5000");
        }
    }

    private static URI validProxyUrl(URI url) {
        if (url == null || !"http".equalsIgnoreCase(url.getScheme()) || url.getHost() == null
                || url.getHost().isEmpty()) {
            throw new IllegalArgumentException("--proxy-url / CODERMON_PROXY_URL '" + url
                    + "' must be an http:// URL with a host, e.g. http://localhost:5000");
        }
        return url;
    }

    private static void requireWithin(String what, Duration d, Duration max) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive");
        }
        if (d.compareTo(max) > 0) {
            throw new IllegalArgumentException(what + " must be at most " + DurationText.format(max) + ", was "
                    + DurationText.format(d));
        }
    }
}
