package dev.codermon.controlplane.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.security.auth.module.UnixSystem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkspaceSshFilesTest {

    @TempDir
    Path tmp;

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), String.join(" ", command));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), String.join(" ", command) + ": " + out);
        return out;
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void the_host_key_is_made_once_in_openssh_format_and_kept() throws Exception {
        WorkspaceSshFiles files = new WorkspaceSshFiles(tmp.resolve("ssh"));
        String pub = files.hostKey("ws-1");
        assertTrue(pub.startsWith("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5"), pub);
        assertEquals(pub, files.hostKey("ws-1"), "the same key on every call");
        Path key = tmp.resolve("ssh/workspaces/ws-1/host_ed25519_key");
        assertEquals("rw-------", mode(key));
        // OpenSSH itself reads the private key and derives the same public key.
        String[] derived = run("ssh-keygen", "-y", "-f", key.toString()).strip().split(" ");
        assertEquals(pub, derived[0] + " " + derived[1]);
        assertFalse(pub.equals(files.hostKey("ws-2")), "each workspace has its own key");
        assertEquals("rwx------", mode(tmp.resolve("ssh")));
    }

    @Test
    void prepare_writes_a_key_only_config_and_an_empty_key_list_readable_in_the_container() throws Exception {
        WorkspaceSshFiles files = new WorkspaceSshFiles(tmp.resolve("ssh"));
        int uid = (int) new UnixSystem().getUid();
        int gid = (int) new UnixSystem().getGid();
        files.prepare("ws-1", "alice", uid, gid);
        String config = Files.readString(tmp.resolve("ssh/workspaces/ws-1/sshd_config"));
        for (String line : List.of("AuthenticationMethods publickey", "PasswordAuthentication no",
                "KbdInteractiveAuthentication no", "UsePAM no", "AllowUsers coder", "AllowTcpForwarding local",
                "AllowAgentForwarding no", "X11Forwarding no", "PermitTunnel no",
                "HostKey /etc/codermon/ssh/host_ed25519_key",
                "AuthorizedKeysFile /etc/codermon/ssh-keys/authorized_keys")) {
            assertTrue(config.contains(line + "\n"), line);
        }
        Path keys = tmp.resolve("ssh/users/alice/authorized_keys");
        assertEquals("", Files.readString(keys));
        assertEquals("rw-r--r--", mode(keys));
        assertEquals("rwxr-xr-x", mode(keys.getParent()));
        assertEquals("rwxr-xr-x", mode(tmp.resolve("ssh/workspaces/ws-1")));

        files.writeAuthorizedKeys("alice", List.of("ssh-ed25519 AAAA1", "ssh-ed25519 AAAA2"));
        assertEquals("ssh-ed25519 AAAA1\nssh-ed25519 AAAA2\n", Files.readString(keys));
        files.prepare("ws-2", "alice", uid, gid);
        assertEquals("ssh-ed25519 AAAA1\nssh-ed25519 AAAA2\n", Files.readString(keys), "a start keeps the keys");

        files.remove("ws-1");
        assertFalse(Files.exists(tmp.resolve("ssh/workspaces/ws-1")));
        assertTrue(Files.exists(keys), "the user's keys stay");
    }

    @Test
    void names_that_would_leave_the_layout_are_refused() {
        WorkspaceSshFiles files = new WorkspaceSshFiles(tmp.resolve("ssh"));
        for (String bad : new String[] {"..", "../etc", "a/b", "", ".hidden"}) {
            assertThrows(IllegalArgumentException.class, () -> files.workspaceDir(bad), bad);
            assertThrows(IllegalArgumentException.class, () -> files.userDir(bad), bad);
        }
    }
}
