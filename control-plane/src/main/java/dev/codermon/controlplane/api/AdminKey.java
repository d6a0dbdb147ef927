package dev.codermon.controlplane.api;

import dev.codermon.auth.CodermonHome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;

/**
 * Holds the admin API key that may mint user tokens.
 *
 * <p>Either given in the config, or read from the data directory's {@code admin.key}, which is generated
 * (owner-only) on first start. {@link #toString()} never shows the key.
 */
public final class AdminKey {

    /** The shortest admin key accepted, from a file or from configuration. */
    public static final int MIN_LENGTH = 16;

    private final byte[] digest;
    private final Optional<Path> file;

    private AdminKey(String secret, Optional<Path> file) {
        this.digest = sha256(secret);
        this.file = file;
    }

    /** Wraps a key given in the configuration. */
    public static AdminKey of(String secret) {
        if (secret == null || secret.length() < MIN_LENGTH) {
            throw new IllegalArgumentException("the admin key must be at least " + MIN_LENGTH + " characters");
        }
        return new AdminKey(secret, Optional.empty());
    }

    /** Uses the configured key if there is one, else the data directory's key file (creating it if needed). */
    public static AdminKey resolve(Optional<String> configured, CodermonHome home) {
        if (configured.isPresent()) {
            return of(configured.get());
        }
        Path file = home.adminKeyFile();
        if (!Files.exists(file)) {
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            String fresh = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
            // First writer wins, so two control planes starting together agree on one key.
            CodermonHome.writeNewFile(file, fresh + "\n", "rw-------");
        }
        String secret;
        try {
            secret = Files.readString(file, StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the admin key file " + file + ": " + e.getMessage(), e);
        }
        if (secret.length() < MIN_LENGTH) {
            throw new IllegalStateException("the admin key file " + file + " holds fewer than " + MIN_LENGTH
                    + " characters; delete it to have a new key generated");
        }
        return new AdminKey(secret, Optional.of(file));
    }

    /** Returns whether the presented key is this key, in time that does not depend on where they differ. */
    public boolean matches(String presented) {
        return presented != null && MessageDigest.isEqual(digest, sha256(presented));
    }

    /** Returns the file the key was read from, or empty if it was given in the configuration. */
    public Optional<Path> file() {
        return file;
    }

    @Override
    public String toString() {
        return file.map(f -> "AdminKey[file=" + f + "]").orElse("AdminKey[configured]");
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
