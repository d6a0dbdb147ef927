package dev.codermon.auth.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.auth.CodermonHome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreSettingsTest {

    @TempDir
    Path tmp;

    private CodermonHome home() {
        return new CodermonHome(tmp);
    }

    @Test
    void sqlite_in_the_data_directory_is_the_default() {
        StoreSettings s = StoreSettings.fromEnv(Map.of(), home());
        assertEquals(StoreSettings.Backend.SQLITE, s.backend());
        assertEquals(tmp.resolve("routes.db").toAbsolutePath(), s.sqliteFile());
        assertEquals(s.sqliteFile(), StoreSettings.fromEnv(Map.of("CODERMON_STORE", "sqlite"), home()).sqliteFile());
    }

    @Test
    void postgres_reads_the_password_from_its_file_first_and_never_shows_it() throws Exception {
        Path file = tmp.resolve("pw");
        Files.writeString(file, "s3cret-from-file\n");
        StoreSettings s = StoreSettings.fromEnv(Map.of("CODERMON_STORE", "postgres",
                "CODERMON_DATABASE_URL", "jdbc:postgresql://127.0.0.1:5432/codermon?sslmode=disable",
                "CODERMON_DATABASE_USER", "codermon", "CODERMON_DATABASE_PASSWORD_FILE", file.toString(),
                "CODERMON_DATABASE_PASSWORD", "s3cret-from-env"), home());
        assertEquals(StoreSettings.Backend.POSTGRES, s.backend());
        assertEquals("s3cret-from-file", s.password());
        assertEquals("127.0.0.1:5432/codermon", s.where());
        assertFalse(s.toString().contains("s3cret"), s.toString());
        assertEquals("s3cret-from-env", StoreSettings.fromEnv(Map.of("CODERMON_STORE", "postgres",
                "CODERMON_DATABASE_URL", "jdbc:postgresql://h/db", "CODERMON_DATABASE_USER", "u",
                "CODERMON_DATABASE_PASSWORD", "s3cret-from-env"), home()).password());
    }

    @Test
    void bad_settings_are_refused_with_what_to_set() {
        assertMessage("CODERMON_STORE must be sqlite or postgres, not 'mysql'", Map.of("CODERMON_STORE", "mysql"));
        assertMessage("CODERMON_STORE=postgres needs CODERMON_DATABASE_URL (jdbc:postgresql://host:port/database)",
                Map.of("CODERMON_STORE", "postgres"));
        assertMessage("a PostgreSQL store needs CODERMON_DATABASE_USER",
                Map.of("CODERMON_STORE", "postgres", "CODERMON_DATABASE_URL", "jdbc:postgresql://h/db"));
        assertMessage("CODERMON_DATABASE_URL must look like jdbc:postgresql://host:port/database, not 'mysql://h/db'",
                Map.of("CODERMON_STORE", "postgres", "CODERMON_DATABASE_URL", "mysql://h/db"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StoreSettings.fromEnv(
                Map.of("CODERMON_STORE", "postgres", "CODERMON_DATABASE_URL", "jdbc:postgresql://h/db?password=hunter2",
                        "CODERMON_DATABASE_USER", "u"), home()));
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
        assertTrue(e.getMessage().contains("CODERMON_DATABASE_PASSWORD_FILE"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> StoreSettings.fromEnv(Map.of("CODERMON_STORE", "postgres",
                "CODERMON_DATABASE_URL", "jdbc:postgresql://h/db", "CODERMON_DATABASE_USER", "u",
                "CODERMON_DATABASE_PASSWORD_FILE", tmp.resolve("missing").toString()), home()));
        assertTrue(e.getMessage().startsWith("cannot read CODERMON_DATABASE_PASSWORD_FILE"), e.getMessage());
    }

    private void assertMessage(String expected, Map<String, String> env) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StoreSettings.fromEnv(env, home()));
        assertEquals(expected, e.getMessage());
    }
}
