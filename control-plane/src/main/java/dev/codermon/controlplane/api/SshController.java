package dev.codermon.controlplane.api;

import dev.codermon.auth.Principal;
import dev.codermon.auth.route.SshKeyRecord;
import dev.codermon.auth.route.WorkspaceRecord;
import dev.codermon.controlplane.ssh.SshKeyService;
import dev.codermon.controlplane.ssh.SshKeyService.SshKeyException;
import dev.codermon.controlplane.workspace.WorkspaceService;
import io.javalin.http.Context;
import java.net.URI;
import java.time.Instant;
import java.util.List;

/**
 * Serves SSH set-up ({@code docs/ssh.md}): each user registers, lists and deletes their own public keys,
 * and gets their workspaces' {@code known_hosts} lines and the {@code ~/.ssh/config} block.
 */
final class SshController {

    record AddKeyRequest(String name, String publicKey) {
    }

    record KeyView(String id, String name, String type, String fingerprint, Instant createdAt) {
        static KeyView of(SshKeyRecord k) {
            return new KeyView(k.id(), k.name(), k.publicKey().substring(0, k.publicKey().indexOf(' ')),
                    k.fingerprint(), k.createdAt());
        }
    }

    private final ApiAuthenticator auth;
    private final SshKeyService keys;
    private final WorkspaceService workspaces;
    private final JsonRequestReader reader;
    private final String domain;
    private final URI proxy;

    SshController(ApiAuthenticator auth, SshKeyService keys, WorkspaceService workspaces, JsonRequestReader reader,
            String domain, URI proxy) {
        this.auth = auth;
        this.keys = keys;
        this.workspaces = workspaces;
        this.reader = reader;
        this.domain = domain;
        this.proxy = proxy;
    }

    void add(Context ctx) {
        Principal caller = auth.requireUser(ctx);
        AddKeyRequest request = reader.read(ctx, AddKeyRequest.class, null);
        if (request == null || request.publicKey() == null) {
            throw ApiException.badRequest("invalid_key", "send {\"publicKey\": \"ssh-ed25519 AAAA...\"}, the"
                    + " contents of your ~/.ssh/id_ed25519.pub");
        }
        try {
            ctx.status(201).json(KeyView.of(keys.add(caller.user(), request.name(), request.publicKey())));
        } catch (SshKeyException e) {
            throw ApiException.badRequest(e.code(), e.getMessage());
        }
    }

    void list(Context ctx) {
        Principal caller = auth.requireUser(ctx);
        ctx.json(keys.list(caller.user()).stream().map(KeyView::of).toList());
    }

    void delete(Context ctx) {
        Principal caller = auth.requireUser(ctx);
        if (!keys.delete(caller.user(), ctx.pathParam("id"))) {
            throw new ApiException(404, "not_found", "you have no SSH key with id " + ctx.pathParam("id"));
        }
        ctx.status(204);
    }

    void knownHosts(Context ctx) {
        Principal caller = auth.requireUser(ctx);
        WorkspaceRecord r = workspaces.get(caller.user(), ctx.pathParam("id"));
        String line = keys.knownHostsLine(r).orElseThrow(() -> new ApiException(404, "no_host_key", "workspace "
                + r.name() + " runs on node " + r.nodeId() + ", which has published no SSH host key for it (a node"
                + " publishes it when it starts a Docker workspace; local processes run no SSH server)"));
        ctx.contentType("text/plain; charset=utf-8").result(line + "\n");
    }

    void allKnownHosts(Context ctx) {
        Principal caller = auth.requireUser(ctx);
        List<WorkspaceRecord> mine = workspaces.list(caller.user());
        StringBuilder out = new StringBuilder();
        for (WorkspaceRecord r : mine) {
            keys.knownHostsLine(r).ifPresent(line -> out.append(line).append('\n'));
        }
        ctx.contentType("text/plain; charset=utf-8").result(out.toString());
    }

    void sshConfig(Context ctx) {
        Principal caller = auth.requireUser(ctx);
        ctx.contentType("text/plain; charset=utf-8").result(SshKeyService.sshConfig(caller.user(), domain, proxy));
    }
}
