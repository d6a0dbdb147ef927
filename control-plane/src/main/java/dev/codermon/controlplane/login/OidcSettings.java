package dev.codermon.controlplane.login;

import dev.codermon.auth.DurationText;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Holds the OpenID Connect settings, read from the environment and validated at start. Absent issuer means
 * no OpenID Connect: the console signs in with tokens and the admin key only, as before.
 *
 * @param issuer         the provider's issuer URL (discovery: {@code <issuer>/.well-known/openid-configuration})
 * @param clientId       this control plane's client id at the provider
 * @param clientSecret   its client secret (never printed)
 * @param scopes         scopes asked for ({@code openid} always among them)
 * @param allowedDomains email domains let in (empty: any); an email decides access only if verified
 * @param allowedGroups  groups let in (empty: any)
 * @param adminGroup     members of this group get the admin role, or null
 * @param nameClaim      the claim the Codermon user name is derived from
 * @param groupsClaim    the claim holding the person's groups
 * @param consoleUrl     where the browser reaches the console; the provider sends it back to
 *                       {@code <consoleUrl>/login/callback}
 * @param timeout        how long one call to the provider may take (connect and read)
 * @param sessionTtl     lifetime of a console session
 * @param offlineAccess  whether sign-in asks for a refresh token (scope {@code offline_access}): {@code auto}
 *                       when the provider's discovery document lists that scope, {@code on} always, {@code off}
 * @param consentPrompt  whether a sign-in that asks for {@code offline_access} also sends {@code prompt=consent}
 *                       (OpenID Connect Core 11 asks for it, and strict providers issue no refresh token without
 *                       it; most issue one anyway and would show a consent page at every sign-in)
 * @param recheckInterval how often each signed-in person with a refresh token is checked at the provider
 */
public record OidcSettings(URI issuer, String clientId, String clientSecret, List<String> scopes,
        List<String> allowedDomains, List<String> allowedGroups, String adminGroup, String nameClaim,
        String groupsClaim, URI consoleUrl, Duration timeout, Duration sessionTtl, String offlineAccess,
        boolean consentPrompt, Duration recheckInterval) {

    static final String CALLBACK_PATH = "/login/callback";

    public OidcSettings {
        if (issuer == null || issuer.getScheme() == null || issuer.getHost() == null) {
            throw new IllegalArgumentException("CODERMON_OIDC_ISSUER must be the provider's issuer URL, e.g."
                    + " https://keycloak.example.org/realms/dev");
        }
        if (clientId == null || clientId.isBlank()) {
            throw new IllegalArgumentException("CODERMON_OIDC_CLIENT_ID is required with CODERMON_OIDC_ISSUER");
        }
        if (clientSecret == null || clientSecret.isBlank()) {
            throw new IllegalArgumentException("a client secret is required with CODERMON_OIDC_ISSUER: set"
                    + " CODERMON_OIDC_CLIENT_SECRET_FILE (a file holding it) or CODERMON_OIDC_CLIENT_SECRET");
        }
        if (!scopes.contains("openid")) {
            throw new IllegalArgumentException("CODERMON_OIDC_SCOPES must include openid, was " + scopes);
        }
        if (timeout.isNegative() || timeout.isZero() || sessionTtl.isNegative() || sessionTtl.isZero()) {
            throw new IllegalArgumentException("CODERMON_OIDC_TIMEOUT and CODERMON_CONSOLE_SESSION_TTL must be"
                    + " positive");
        }
        if (!List.of("auto", "on", "off").contains(offlineAccess)) {
            throw new IllegalArgumentException("CODERMON_OIDC_OFFLINE_ACCESS must be auto, on or off, was "
                    + offlineAccess);
        }
        if (recheckInterval.isNegative() || recheckInterval.isZero()) {
            throw new IllegalArgumentException("CODERMON_OIDC_RECHECK_INTERVAL must be positive");
        }
        scopes = List.copyOf(scopes);
        allowedDomains = List.copyOf(allowedDomains);
        allowedGroups = List.copyOf(allowedGroups);
    }

    /**
     * Reads the settings from the environment.
     *
     * @param consolePort the control plane's port, for the default console URL
     * @return empty if {@code CODERMON_OIDC_ISSUER} is unset
     * @throws IllegalArgumentException naming the variable that is wrong
     */
    public static Optional<OidcSettings> fromEnvironment(Map<String, String> env, int consolePort) {
        String issuer = env.getOrDefault("CODERMON_OIDC_ISSUER", "").trim();
        if (issuer.isEmpty()) {
            return Optional.empty();
        }
        String secretFile = env.getOrDefault("CODERMON_OIDC_CLIENT_SECRET_FILE", "").trim();
        String secret = env.getOrDefault("CODERMON_OIDC_CLIENT_SECRET", "").trim();
        if (!secretFile.isEmpty()) {
            try {
                secret = Files.readString(Path.of(secretFile), StandardCharsets.UTF_8).trim();
            } catch (IOException e) {
                throw new IllegalArgumentException("CODERMON_OIDC_CLIENT_SECRET_FILE " + secretFile
                        + " cannot be read: " + e.getMessage());
            }
        }
        String consoleUrl = env.getOrDefault("CODERMON_CONSOLE_URL", "http://localhost:" + consolePort).trim();
        return Optional.of(new OidcSettings(uri("CODERMON_OIDC_ISSUER", issuer),
                env.getOrDefault("CODERMON_OIDC_CLIENT_ID", "").trim(), secret,
                list(env.getOrDefault("CODERMON_OIDC_SCOPES", "openid email profile"), false),
                list(env.getOrDefault("CODERMON_OIDC_ALLOWED_DOMAINS", ""), true),
                list(env.getOrDefault("CODERMON_OIDC_ALLOWED_GROUPS", ""), false),
                blankToNull(env.get("CODERMON_OIDC_ADMIN_GROUP")),
                env.getOrDefault("CODERMON_OIDC_NAME_CLAIM", "preferred_username").trim(),
                env.getOrDefault("CODERMON_OIDC_GROUPS_CLAIM", "groups").trim(),
                uri("CODERMON_CONSOLE_URL", consoleUrl.endsWith("/") ? consoleUrl.substring(0, consoleUrl.length() - 1)
                        : consoleUrl),
                DurationText.parse("CODERMON_OIDC_TIMEOUT", env.getOrDefault("CODERMON_OIDC_TIMEOUT", "5s")),
                DurationText.parse("CODERMON_CONSOLE_SESSION_TTL",
                        env.getOrDefault("CODERMON_CONSOLE_SESSION_TTL", "8h")),
                env.getOrDefault("CODERMON_OIDC_OFFLINE_ACCESS", "auto").trim().toLowerCase(Locale.ROOT),
                bool("CODERMON_OIDC_CONSENT_PROMPT", env.getOrDefault("CODERMON_OIDC_CONSENT_PROMPT", "false")),
                DurationText.parse("CODERMON_OIDC_RECHECK_INTERVAL",
                        env.getOrDefault("CODERMON_OIDC_RECHECK_INTERVAL", "5m"))));
    }

    /** Returns where the provider sends the browser back to. */
    public URI redirectUri() {
        return URI.create(consoleUrl + CALLBACK_PATH);
    }

    /** Returns whether the console is reached over https (its cookies are then {@code Secure}). */
    public boolean secureConsole() {
        return "https".equalsIgnoreCase(consoleUrl.getScheme());
    }

    @Override
    public String toString() {
        return "OidcSettings[issuer=" + issuer + ", clientId=" + clientId + ", clientSecret=(hidden), scopes="
                + scopes + ", allowedDomains=" + allowedDomains + ", allowedGroups=" + allowedGroups + ", adminGroup="
                + adminGroup + ", nameClaim=" + nameClaim + ", groupsClaim=" + groupsClaim + ", consoleUrl="
                + consoleUrl + ", timeout=" + DurationText.format(timeout) + ", sessionTtl="
                + DurationText.format(sessionTtl) + ", offlineAccess=" + offlineAccess + ", consentPrompt="
                + consentPrompt + ", recheckInterval=" + DurationText.format(recheckInterval) + "]";
    }

    private static URI uri(String name, String text) {
        try {
            URI u = new URI(text);
            if (!"https".equalsIgnoreCase(u.getScheme()) && !"http".equalsIgnoreCase(u.getScheme())) {
                throw new IllegalArgumentException(name + " must be an http(s) URL, was " + text);
            }
            return u;
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException(name + " is not a URL: " + text);
        }
    }

    private static List<String> list(String text, boolean lowerCase) {
        return Arrays.stream(text.split("[,\\s]+")).map(String::trim).filter(s -> !s.isEmpty())
                .map(s -> lowerCase ? s.toLowerCase(Locale.ROOT) : s).toList();
    }

    private static boolean bool(String name, String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw new IllegalArgumentException(name + " must be true or false, was " + text);
        };
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
