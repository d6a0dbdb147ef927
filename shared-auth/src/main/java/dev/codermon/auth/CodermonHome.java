package dev.codermon.auth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * Locates the data directory that the control plane and the proxy share, and the files in it.
 *
 * <p>The directory is {@code $CODERMON_HOME}, or {@code ./.codermon} when that is unset.
 */
public record CodermonHome(Path dir) {

    public static final String ENV = "CODERMON_HOME";
    public static final String DEFAULT_DIR = ".codermon";

    public CodermonHome {
        dir = dir.toAbsolutePath().normalize();
    }

    /** Resolves the data directory from the environment (or the default), without creating it. */
    public static CodermonHome fromEnv(Map<String, String> env) {
        String value = env.get(ENV);
        return new CodermonHome(Path.of(value == null || value.isBlank() ? DEFAULT_DIR : value));
    }

    /** Creates the directory (owner-only) if it does not exist and returns this. */
    public CodermonHome ensureExists() {
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir);
                restrictToOwner(dir, "rwx------");
            }
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create data directory " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Returns the file holding the private signing key (control plane only). */
    public Path signingKeyFile() {
        return dir.resolve("signing-key.jwk");
    }

    /** Returns the file holding the public JWK set the proxy verifies with. */
    public Path publicKeysFile() {
        return dir.resolve("public-keys.jwks");
    }

    /** Returns the embedded SQLite route store. */
    public Path routeStoreFile() {
        return dir.resolve("routes.db");
    }

    /** Returns the file holding the admin API key. */
    public Path adminKeyFile() {
        return dir.resolve("admin.key");
    }

    /** Returns the directory under which workspaces keep their files. */
    public Path workspacesDir() {
        return dir.resolve("workspaces");
    }

    /**
     * Returns the directory holding one directory per workspace with code-server's unix socket in it
     * ({@code sockets/<workspace id>/code-server.sock}); only the control plane's user can open it.
     */
    public Path socketsDir() {
        return dir.resolve("sockets");
    }

    /**
     * Returns the directory of the workspaces' SSH servers' files (control plane only): {@code workspaces/<id>/}
     * with each one's config and host key, {@code users/<user>/authorized_keys} (docs/ssh.md).
     */
    public Path sshDir() {
        return dir.resolve("ssh");
    }

    /** Returns the directory of the proxy's local CA, for {@code CONNECT :443}. */
    public Path caDir() {
        return dir.resolve("ca");
    }

    /** Returns the proxy's CA certificate, which clients trust. */
    public Path caCertFile() {
        return caDir().resolve("ca.crt");
    }

    /** Returns the proxy's access log (its logback configuration writes it here; the console reads it). */
    public Path accessLogFile() {
        return dir.resolve("logs").resolve("access.log");
    }

    /**
     * Writes a file atomically with the given POSIX permissions, so that a reader never sees it half
     * written and a secret is never readable by others, not even for a moment.
     *
     * @return false if the file already existed (another process won the race); it is left untouched
     */
    public static boolean writeNewFile(Path file, String content, String permissions) {
        Path tmp = null;
        try {
            Files.createDirectories(file.getParent());
            tmp = Files.createTempFile(file.getParent(), "." + file.getFileName(), ".tmp");
            restrictToOwner(tmp, permissions);
            Files.writeString(tmp, content);
            try {
                // A hard link fails if the target exists, which makes "first writer wins" atomic.
                Files.createLink(file, tmp);
                return true;
            } catch (FileAlreadyExistsException raced) {
                return false;
            } catch (UnsupportedOperationException | IOException noLinks) {
                if (Files.exists(file)) {
                    return false;
                }
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
                tmp = null;
                return true;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // a leftover temp file is harmless
                }
            }
        }
    }

    private static void restrictToOwner(Path path, String permissions) throws IOException {
        try {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(permissions));
        } catch (UnsupportedOperationException notPosix) {
            // Non-POSIX file systems cannot express this; nothing more to do there.
        }
    }
}
