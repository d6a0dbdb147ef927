package dev.codermon.controlplane.ssh;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Set;

/**
 * Is one SSH public key as a user pastes it ({@code <type> <base64> [comment]}, what {@code ~/.ssh/id_*.pub}
 * holds), checked before it goes into an {@code authorized_keys} file: a known key type, base64 that
 * decodes to a key blob of that type, no options and no line breaks (so that nothing can be smuggled into
 * the file), at most 16 KiB.
 *
 * @param type    the key type, e.g. {@code ssh-ed25519}
 * @param base64  the key blob in base64, as given
 * @param comment the comment after the key, or empty
 */
record SshPublicKey(String type, String base64, String comment) {

    /** The key types OpenSSH 9 accepts for users by default (DSA is gone). */
    static final Set<String> TYPES = Set.of("ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
            "ecdsa-sha2-nistp521", "ssh-rsa", "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com");
    private static final int MAX_LENGTH = 16 * 1024;
    private static final int MAX_COMMENT = 200;

    /** Signals a key that cannot be used, with a reason a person can act on. */
    static final class InvalidKeyException extends IllegalArgumentException {
        InvalidKeyException(String message) {
            super(message);
        }
    }

    /**
     * Parses a public key line.
     *
     * @throws InvalidKeyException saying what is wrong with it
     */
    static SshPublicKey parse(String text) {
        if (text == null || text.isBlank()) {
            throw new InvalidKeyException("no public key given: paste the contents of ~/.ssh/id_ed25519.pub");
        }
        String line = text.strip();
        if (line.length() > MAX_LENGTH) {
            throw new InvalidKeyException("the key is longer than " + MAX_LENGTH + " characters");
        }
        if (line.indexOf('\n') >= 0 || line.indexOf('\r') >= 0 || line.chars().anyMatch(c -> c < 0x20 && c != '\t')) {
            throw new InvalidKeyException("a public key is one line without control characters");
        }
        String[] parts = line.split("[ \t]+", 3);
        if (line.startsWith("-----BEGIN") || line.contains("PRIVATE KEY")) {
            throw new InvalidKeyException("this looks like a private key: send the public key (the .pub file)");
        }
        if (!TYPES.contains(parts[0])) {
            throw new InvalidKeyException("unknown key type '" + shorten(parts[0]) + "': expected one of "
                    + String.join(", ", TYPES.stream().sorted().toList())
                    + " followed by the key in base64 (options are not accepted)");
        }
        if (parts.length < 2) {
            throw new InvalidKeyException("the key's base64 part is missing after '" + parts[0] + "'");
        }
        byte[] blob;
        try {
            blob = Base64.getDecoder().decode(parts[1]);
        } catch (IllegalArgumentException e) {
            throw new InvalidKeyException("the key's base64 part does not decode: " + e.getMessage());
        }
        String inner = blobType(blob);
        if (!parts[0].equals(inner)) {
            throw new InvalidKeyException("the key says it is " + parts[0] + " but its data is "
                    + (inner == null ? "not an SSH key" : "a " + shorten(inner) + " key"));
        }
        String comment = parts.length > 2 ? parts[2].strip() : "";
        if (comment.length() > MAX_COMMENT) {
            comment = comment.substring(0, MAX_COMMENT);
        }
        return new SshPublicKey(parts[0], parts[1], comment);
    }

    /** Returns the key as an {@code authorized_keys} line, without the comment: {@code <type> <base64>}. */
    String line() {
        return type + " " + base64;
    }

    /** Returns the SHA-256 fingerprint as {@code ssh-keygen -l} shows it: {@code SHA256:<base64, unpadded>}. */
    String fingerprint() {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(Base64.getDecoder().decode(base64));
            return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** Returns the type string a key blob starts with (an SSH {@code string}), or null if it has none. */
    private static String blobType(byte[] blob) {
        if (blob.length < 4) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(blob);
        int length = b.getInt();
        if (length <= 0 || length > 64 || length > b.remaining() - 4) {
            return null;
        }
        byte[] type = new byte[length];
        b.get(type);
        return new String(type, StandardCharsets.US_ASCII);
    }

    private static String shorten(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}
