package dev.codermon.controlplane.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.auth.CodermonHome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminKeyTest {

    @TempDir
    Path tempDir;

    @Test
    void a_generated_key_is_owner_only_and_reused_on_the_next_start() throws Exception {
        CodermonHome home = new CodermonHome(tempDir.resolve("home")).ensureExists();
        AdminKey first = AdminKey.resolve(Optional.empty(), home);
        Path file = home.adminKeyFile();
        assertEquals(Optional.of(file), first.file());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        String secret = Files.readString(file).trim();
        assertTrue(secret.length() >= 32);
        assertTrue(first.matches(secret));
        assertFalse(first.matches(secret + "x"));
        assertFalse(first.matches(""));
        assertFalse(first.matches(null));
        assertFalse(first.toString().contains(secret));

        AdminKey second = AdminKey.resolve(Optional.empty(), home);
        assertTrue(second.matches(secret), "the key file is reused");
        assertEquals(secret, Files.readString(file).trim());
    }

    @Test
    void a_configured_key_wins_and_writes_no_file() {
        CodermonHome home = new CodermonHome(tempDir.resolve("home")).ensureExists();
        AdminKey key = AdminKey.resolve(Optional.of("configured-key-0123456789"), home);
        assertTrue(key.matches("configured-key-0123456789"));
        assertTrue(key.file().isEmpty());
        assertFalse(Files.exists(home.adminKeyFile()));
        assertThrows(IllegalArgumentException.class, () -> AdminKey.of("short"));
    }
}
