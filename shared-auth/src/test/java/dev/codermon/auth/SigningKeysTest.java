package dev.codermon.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SigningKeysTest {

    @TempDir
    Path tmp;

    @Test
    void first_start_creates_an_owner_only_private_key_and_a_public_set() throws Exception {
        CodermonHome home = new CodermonHome(tmp.resolve("home"));
        ECKey key = SigningKeys.loadOrCreate(home);
        assertTrue(key.isPrivate());
        assertEquals("rw-------",
                PosixFilePermissions.toString(Files.getPosixFilePermissions(home.signingKeyFile())));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(home.dir())));
        String published = Files.readString(home.publicKeysFile());
        assertFalse(published.contains("\"d\""), "public key file must not hold the private part");
    }

    @Test
    void keys_made_in_the_same_second_have_different_ids() {
        var first = SigningKeys.generate();
        var second = SigningKeys.generate();
        assertTrue(first.getKeyID().startsWith("codermon-"), first.getKeyID());
        assertNotEquals(first.getKeyID(), second.getKeyID());
    }

    @Test
    void later_starts_reuse_the_same_key() {
        CodermonHome home = new CodermonHome(tmp);
        ECKey first = SigningKeys.loadOrCreate(home);
        ECKey second = SigningKeys.loadOrCreate(home);
        assertEquals(first.getKeyID(), second.getKeyID());
        assertEquals(first.toJSONString(), second.toJSONString());
    }

    @Test
    void public_set_verifies_tokens_signed_with_the_private_key() throws Exception {
        CodermonHome home = new CodermonHome(tmp);
        ECKey key = SigningKeys.loadOrCreate(home);
        JWKSet published = SigningKeys.loadPublic(home);
        String token = new TokenIssuer(key, Clock.systemUTC()).issue("carol", Duration.ofMinutes(1)).token();
        assertEquals("carol", new TokenVerifier(published).verify(token).user());
    }

    @Test
    void missing_public_keys_say_what_to_do() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> SigningKeys.loadPublic(new CodermonHome(tmp.resolve("empty"))));
        assertTrue(e.getMessage().contains("start the control plane"), e.getMessage());
    }

    @Test
    void first_writer_wins_and_the_second_is_told() throws Exception {
        Path f = tmp.resolve("secret");
        assertTrue(CodermonHome.writeNewFile(f, "one", "rw-------"));
        assertFalse(CodermonHome.writeNewFile(f, "two", "rw-------"));
        assertEquals("one", Files.readString(f));
    }

    @Test
    void home_defaults_to_dot_codermon_and_follows_the_env() {
        assertEquals(Path.of(".codermon").toAbsolutePath().normalize(),
                CodermonHome.fromEnv(java.util.Map.of()).dir());
        assertEquals(tmp, CodermonHome.fromEnv(java.util.Map.of("CODERMON_HOME", tmp.toString())).dir());
    }

    @Test
    void user_ids_must_be_dns_labels() {
        assertTrue(DnsLabel.isValid("alice"));
        assertTrue(DnsLabel.isValid("a-1"));
        for (String bad : new String[] {"", "Alice", "1abc", "a-", "a.b", "a_b", "a".repeat(33), "ä"}) {
            assertFalse(DnsLabel.isValid(bad), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> DnsLabel.require("user", "a.b"));
    }
}
