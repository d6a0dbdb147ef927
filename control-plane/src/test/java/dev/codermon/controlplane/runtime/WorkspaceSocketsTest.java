package dev.codermon.controlplane.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks the socket directory rules on the real file system. Handing a directory to uid 1000 needs root,
 * as the Docker runtime does (the tests run as root, like the control plane with Docker).
 */
class WorkspaceSocketsTest {

    private static final String ID = "0f8e6a3c-2b1d-4c5e-9f70-123456789abc";

    @TempDir
    Path home;

    @Test
    void the_sockets_directory_is_created_owner_only_and_an_existing_open_one_is_closed() throws Exception {
        WorkspaceSockets sockets = WorkspaceSockets.open(home.resolve("sockets"));
        assertEquals("rwx------", permissions(sockets.root()));
        Files.setPosixFilePermissions(sockets.root(), PosixFilePermissions.fromString("rwxr-xr-x"));
        WorkspaceSockets.open(home.resolve("sockets"));
        assertEquals("rwx------", permissions(sockets.root()));
        assertEquals(sockets.root().resolve(ID).resolve("code-server.sock"), sockets.socket(ID));
    }

    @Test
    void a_sockets_directory_that_is_a_symbolic_link_or_someone_elses_is_refused() throws Exception {
        Path elsewhere = Files.createDirectory(home.resolve("elsewhere"));
        Files.createSymbolicLink(home.resolve("sockets"), elsewhere);
        IllegalStateException link = assertThrows(IllegalStateException.class,
                () -> WorkspaceSockets.open(home.resolve("sockets")));
        assertTrue(link.getMessage().contains("symbolic link"), link.getMessage());

        Path foreign = Files.createDirectory(home.resolve("foreign"));
        Files.setAttribute(foreign, "unix:uid", 1000);
        IllegalStateException owner = assertThrows(IllegalStateException.class, () -> WorkspaceSockets.open(foreign));
        assertTrue(owner.getMessage().contains("uid 1000"), owner.getMessage());
    }

    @Test
    void a_data_directory_too_long_for_unix_socket_paths_is_refused_with_the_setting_to_change() {
        Path deep = home.resolve("d".repeat(60)).resolve("sockets");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> WorkspaceSockets.open(deep));
        assertTrue(e.getMessage().contains("CODERMON_HOME"), e.getMessage());
    }

    @Test
    void ids_that_would_leave_the_sockets_directory_are_refused() {
        WorkspaceSockets sockets = WorkspaceSockets.open(home.resolve("sockets"));
        for (String bad : new String[] {"..", ".", "", "a/b", "../" + ID, "/etc", "-x", "a b"}) {
            assertThrows(IllegalArgumentException.class, () -> sockets.socket(bad), bad);
        }
    }

    @Test
    void a_reset_gives_an_empty_directory_to_the_workspace_user_and_deletes_links_not_their_targets()
            throws Exception {
        WorkspaceSockets sockets = WorkspaceSockets.open(home.resolve("sockets"));
        Path target = Files.writeString(home.resolve("precious.txt"), "keep me");
        Path dir = Files.createDirectories(sockets.directory(ID));
        Files.createSymbolicLink(dir.resolve("code-server.sock"), target);
        Files.createSymbolicLink(dir.resolve("up"), home);

        sockets.reset(ID, 1000, 1000);

        try (var entries = Files.list(dir)) {
            assertEquals(0, entries.count(), "the directory is empty");
        }
        assertEquals(1000, Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS));
        assertEquals(1000, Files.getAttribute(dir, "unix:gid", LinkOption.NOFOLLOW_LINKS));
        assertEquals("rwx------", permissions(dir));
        assertEquals("keep me", Files.readString(target));
    }

    @Test
    void lock_down_takes_the_directory_back_once_a_real_socket_is_in_it() throws Exception {
        WorkspaceSockets sockets = WorkspaceSockets.open(home.resolve("sockets"));
        Path dir = sockets.reset(ID, 1000, 1000);
        try (UnixHttpServer codeServer = UnixHttpServer.answering(sockets.socket(ID), 200)) {
            sockets.lockDown(ID);
            assertEquals(sockets.ownUid(), Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS));
            assertEquals("rwx------", permissions(dir));
            assertTrue(WorkspaceSockets.isSocket(codeServer.path()));
        }
    }

    @Test
    void a_socket_counts_as_set_up_only_once_it_has_code_servers_mode() throws Exception {
        WorkspaceSockets sockets = WorkspaceSockets.open(home.resolve("sockets"));
        sockets.reset(ID, 1000, 1000);
        try (UnixHttpServer codeServer = UnixHttpServer.answering(sockets.socket(ID), 200)) {
            Files.setPosixFilePermissions(codeServer.path(), java.nio.file.attribute.PosixFilePermissions
                    .fromString("rwxr-xr-x"));
            assertTrue(WorkspaceSockets.isSocket(codeServer.path()));
            assertFalse(WorkspaceSockets.isFinishedSocket(codeServer.path()),
                    "code-server still has to change the mode through the directory");
            Files.setPosixFilePermissions(codeServer.path(), java.nio.file.attribute.PosixFilePermissions
                    .fromString("rw-------"));
            assertTrue(WorkspaceSockets.isFinishedSocket(codeServer.path()));
        }
        assertFalse(WorkspaceSockets.isFinishedSocket(home.resolve("absent.sock")));
    }

    @Test
    void lock_down_refuses_a_symbolic_link_in_the_place_of_the_socket() throws Exception {
        WorkspaceSockets sockets = WorkspaceSockets.open(home.resolve("sockets"));
        sockets.reset(ID, 1000, 1000);
        try (UnixHttpServer other = UnixHttpServer.answering(home.resolve("other.sock"), 200)) {
            Files.createSymbolicLink(sockets.socket(ID), other.path());
            assertFalse(WorkspaceSockets.isSocket(sockets.socket(ID)), "a link to a socket is no socket");
            IOException e = assertThrows(IOException.class, () -> sockets.lockDown(ID));
            assertTrue(e.getMessage().contains("not a socket"), e.getMessage());
            assertEquals(0, other.connections.get());
        }
    }

    @Test
    void removing_deletes_the_directory_and_tolerates_its_absence() throws Exception {
        WorkspaceSockets sockets = WorkspaceSockets.open(home.resolve("sockets"));
        Path dir = sockets.reset(ID);
        Files.writeString(dir.resolve("stale"), "x");
        sockets.remove(ID);
        assertFalse(Files.exists(dir, LinkOption.NOFOLLOW_LINKS));
        sockets.remove(ID);
    }

    private static String permissions(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }
}
