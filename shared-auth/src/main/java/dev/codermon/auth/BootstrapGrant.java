package dev.codermon.auth;

import java.time.Instant;

/**
 * Carries what a verified one-time bootstrap token grants: opening one workspace host in a browser.
 *
 * @param user        the workspace's owner
 * @param workspaceId the workspace the link opens
 * @param hostname    the only host the link is valid for
 * @param tokenId     the token's {@code jti}, consumed on first use
 * @param issuedAt    when the link was issued (compared with the user's revocation time)
 * @param expiresAt   when the link stops working
 */
public record BootstrapGrant(String user, String workspaceId, String hostname, String tokenId, Instant issuedAt,
        Instant expiresAt) {
}
