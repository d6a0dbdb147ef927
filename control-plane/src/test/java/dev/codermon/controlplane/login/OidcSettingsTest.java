package dev.codermon.controlplane.login;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OidcSettingsTest {

    @TempDir
    Path dir;

    @Test
    void without_an_issuer_openid_connect_is_off() {
        assertTrue(OidcSettings.fromEnvironment(Map.of(), 5001).isEmpty());
    }

    @Test
    void the_secret_comes_from_a_file_and_is_never_printed() throws Exception {
        Path secret = dir.resolve("secret");
        Files.writeString(secret, "s3cret-from-file\n");
        OidcSettings s = OidcSettings.fromEnvironment(Map.of("CODERMON_OIDC_ISSUER", "https://idp.example.org/realms/a",
                "CODERMON_OIDC_CLIENT_ID", "codermon", "CODERMON_OIDC_CLIENT_SECRET_FILE", secret.toString(),
                "CODERMON_OIDC_ALLOWED_DOMAINS", "Example.org, other.test"), 5001).orElseThrow();
        assertEquals("s3cret-from-file", s.clientSecret());
        assertFalse(s.toString().contains("s3cret"), s.toString());
        assertEquals(List.of("example.org", "other.test"), s.allowedDomains());
        assertEquals(List.of("openid", "email", "profile"), s.scopes());
        assertEquals("http://localhost:5001/login/callback", s.redirectUri().toString());
        assertEquals("preferred_username", s.nameClaim());
    }

    @Test
    void a_wrong_setting_names_its_variable() {
        IllegalArgumentException noId = assertThrows(IllegalArgumentException.class, () -> OidcSettings.fromEnvironment(
                Map.of("CODERMON_OIDC_ISSUER", "https://idp.example.org", "CODERMON_OIDC_CLIENT_SECRET", "x"), 5001));
        assertTrue(noId.getMessage().contains("CODERMON_OIDC_CLIENT_ID"), noId.getMessage());
        IllegalArgumentException noSecret = assertThrows(IllegalArgumentException.class, () -> OidcSettings
                .fromEnvironment(Map.of("CODERMON_OIDC_ISSUER", "https://idp.example.org",
                        "CODERMON_OIDC_CLIENT_ID", "c"), 5001));
        assertTrue(noSecret.getMessage().contains("CODERMON_OIDC_CLIENT_SECRET_FILE"), noSecret.getMessage());
        IllegalArgumentException noOpenid = assertThrows(IllegalArgumentException.class, () -> OidcSettings
                .fromEnvironment(Map.of("CODERMON_OIDC_ISSUER", "https://idp.example.org",
                        "CODERMON_OIDC_CLIENT_ID", "c", "CODERMON_OIDC_CLIENT_SECRET", "x",
                        "CODERMON_OIDC_SCOPES", "email"), 5001));
        assertTrue(noOpenid.getMessage().contains("openid"), noOpenid.getMessage());
        assertThrows(IllegalArgumentException.class, () -> OidcSettings.fromEnvironment(Map.of(
                "CODERMON_OIDC_ISSUER", "ftp://idp", "CODERMON_OIDC_CLIENT_ID", "c",
                "CODERMON_OIDC_CLIENT_SECRET", "x"), 5001));
    }

    @Test
    void the_refresh_token_and_recheck_settings_have_defaults_and_refuse_nonsense() {
        Map<String, String> base = Map.of("CODERMON_OIDC_ISSUER", "https://idp.example.org",
                "CODERMON_OIDC_CLIENT_ID", "codermon", "CODERMON_OIDC_CLIENT_SECRET", "secret");
        OidcSettings s = OidcSettings.fromEnvironment(base, 5001).orElseThrow();
        assertEquals("auto", s.offlineAccess());
        assertFalse(s.consentPrompt());
        assertEquals(java.time.Duration.ofMinutes(5), s.recheckInterval());
        java.util.Map<String, String> set = new java.util.HashMap<>(base);
        set.putAll(Map.of("CODERMON_OIDC_OFFLINE_ACCESS", "OFF", "CODERMON_OIDC_CONSENT_PROMPT", "true",
                "CODERMON_OIDC_RECHECK_INTERVAL", "90s"));
        OidcSettings t = OidcSettings.fromEnvironment(set, 5001).orElseThrow();
        assertEquals("off", t.offlineAccess());
        assertTrue(t.consentPrompt());
        assertEquals(java.time.Duration.ofSeconds(90), t.recheckInterval());
        for (Map.Entry<String, String> bad : Map.of("CODERMON_OIDC_OFFLINE_ACCESS", "sometimes",
                "CODERMON_OIDC_CONSENT_PROMPT", "maybe", "CODERMON_OIDC_RECHECK_INTERVAL", "0s").entrySet()) {
            java.util.Map<String, String> env = new java.util.HashMap<>(base);
            env.put(bad.getKey(), bad.getValue());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> OidcSettings.fromEnvironment(env, 5001));
            assertTrue(e.getMessage().contains(bad.getKey()), e.getMessage());
        }
    }
}
