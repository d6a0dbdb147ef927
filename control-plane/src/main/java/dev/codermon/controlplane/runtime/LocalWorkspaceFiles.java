package dev.codermon.controlplane.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lays out a local-process workspace's directory ({@code project}, {@code data}, {@code extensions},
 * {@code home}) with its first files, and deletes it.
 */
final class LocalWorkspaceFiles {

    private static final Logger log = LoggerFactory.getLogger(LocalWorkspaceFiles.class);

    private LocalWorkspaceFiles() {
    }

    /** Creates the workspace's directories and seeds what a new workspace starts with. */
    static void prepare(Path dir) throws IOException {
        seedProject(dir.resolve("project"));
        Files.createDirectories(dir.resolve("data"));
        Files.createDirectories(dir.resolve("extensions"));
        Files.createDirectories(dir.resolve("home"));
        seedSettings(dir.resolve("data").resolve("User").resolve("settings.json"));
    }

    /**
     * Writes the workspace's first user settings. The project folder lives inside the data directory,
     * which may sit inside another git checkout; without this, code-server offers to open that
     * parent repository to the workspace's user. Existing settings (the user's own) are kept.
     */
    static void seedSettings(Path settings) throws IOException {
        if (Files.exists(settings)) {
            return;
        }
        Files.createDirectories(settings.getParent());
        Files.writeString(settings, """
                {
                  "git.openRepositoryInParentFolders": "never",
                  "git.autoRepositoryDetection": "subFolders"
                }
                """);
    }

    /**
     * Puts the welcome README into a project folder that does not exist yet, so that a new workspace
     * has a file to open (the Docker image carries the same file). A folder that exists is the
     * user's: nothing is added to it, even if they deleted the README.
     */
    static void seedProject(Path project) throws IOException {
        if (Files.exists(project)) {
            return;
        }
        Files.createDirectories(project);
        try (InputStream in = LocalWorkspaceFiles.class.getResourceAsStream("/workspace/README.md")) {
            if (in == null) {
                throw new IOException("workspace/README.md is missing from the control plane's jar");
            }
            Files.copy(in, project.resolve("README.md"));
        }
    }

    /**
     * Deletes the workspace's directory under the workspaces directory; what cannot be deleted is logged.
     *
     * @throws IllegalArgumentException if the id would name anything but a directory right under it
     */
    static void delete(Path workspacesDir, String workspaceId) {
        Path dir = WorkspaceSpec.directoryOf(workspacesDir, workspaceId);
        if (Files.exists(dir)) {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException | UncheckedIOException e) {
                log.warn("workspace {}: could not delete all of {}: {}", workspaceId, dir, e.getMessage());
            }
        }
    }
}
