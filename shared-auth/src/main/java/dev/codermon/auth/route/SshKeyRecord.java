package dev.codermon.auth.route;

import java.time.Instant;
import java.util.Objects;

/**
 * Is one SSH public key a user registered: it lets that user in to the SSH servers of their own
 * workspaces.
 *
 * @param id          the key's id (what the API deletes it by)
 * @param user        its owner
 * @param name        a label the user chose (or the key's comment)
 * @param publicKey   the key as one {@code authorized_keys} line without options or comment: {@code <type> <base64>}
 * @param fingerprint its SHA-256 fingerprint, {@code SHA256:<base64 without padding>}, as {@code ssh-keygen -l} shows it
 * @param createdAt   when it was registered
 */
public record SshKeyRecord(String id, String user, String name, String publicKey, String fingerprint,
        Instant createdAt) {

    public SshKeyRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(publicKey, "publicKey");
        Objects.requireNonNull(fingerprint, "fingerprint");
        Objects.requireNonNull(createdAt, "createdAt");
    }
}
