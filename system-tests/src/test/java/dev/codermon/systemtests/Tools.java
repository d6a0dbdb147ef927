package dev.codermon.systemtests;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates what the system tests run: the two jars (passed by the pom), code-server, the workspace image,
 * Chromium with playwright-core, vite and the Python apps' interpreter. {@code scripts/test} installs all
 * of them before Maven runs; a missing one fails the test with what to run.
 */
final class Tools {

    private Tools() {
    }

    /** Returns the repository root. */
    static Path root() {
        return Path.of(property("codermon.root")).toAbsolutePath().normalize();
    }

    static Path controlPlaneJar() {
        return existing(Path.of(property("codermon.controlPlaneJar")), "build it with mvn package");
    }

    static Path edgeProxyJar() {
        return existing(Path.of(property("codermon.edgeProxyJar")), "build it with mvn package");
    }

    /** Returns where a test class keeps its logs and screenshots: target/system-tests/NAME. */
    static Path artifacts(String name) {
        Path dir = Path.of(System.getProperty("codermon.artifacts", "target/system-tests")).resolve(name);
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return dir;
    }

    /** Returns the code-server binary the local-process runtime launches. */
    static String codeServer() {
        String bin = System.getenv("CODERMON_CODE_SERVER_BIN");
        if (bin == null || bin.isBlank()) {
            bin = Commands.run(Commands.DEFAULT_TIMEOUT, root().resolve("scripts/install-code-server").toString(),
                    "--print-bin").out().strip();
        }
        if (!Files.isExecutable(Path.of(bin))) {
            fail("code-server is not installed at " + bin + ": run scripts/install-code-server (scripts/test does)");
        }
        return bin;
    }

    /** Returns the workspace image's tag (CODERMON_IMAGE wins), failing when the daemon lacks it. */
    static String image() {
        String image = System.getenv("CODERMON_IMAGE");
        if (image == null || image.isBlank()) {
            image = Commands.run(Commands.DEFAULT_TIMEOUT, root().resolve("scripts/build-image").toString(),
                    "--print-tag").out().strip();
        }
        if (Docker.shared().run("image", "inspect", image).exit() != 0) {
            fail("the workspace image " + image + " is missing or no Docker daemon answers: run scripts/build-image"
                    + " (scripts/test starts dockerd and builds it)");
        }
        return image;
    }

    /** Returns the directory whose node_modules holds playwright-core (scripts/install-browser). */
    static Path playwright() {
        String dir = System.getenv("PLAYWRIGHT_DIR");
        if (dir == null || dir.isBlank()) {
            dir = Commands.run(Commands.DEFAULT_TIMEOUT, root().resolve("scripts/install-browser").toString(),
                    "--print-dir").out().strip();
        }
        existing(Path.of(dir, "node_modules", "playwright-core", "package.json"), "run scripts/install-browser");
        existing(Path.of("/usr/bin/chromium"), "run scripts/install-browser");
        return Path.of(dir);
    }

    /** Returns vite's launcher, installed by scripts/test into $CODERMON_TOOLS/vite-7. */
    static Path vite() {
        return existing(toolsDir().resolve("vite-7/node_modules/vite/bin/vite.js"),
                "scripts/test installs vite@7 there (ensure_apps_deps in scripts/lib/system-tests.sh)");
    }

    /** Returns Debian's Python, where python3-flask, -fastapi, -uvicorn and -websockets live. */
    static String appPython() {
        String python = "/usr/bin/python3";
        if (Commands.run(Commands.DEFAULT_TIMEOUT, python, "-c", "import flask, fastapi, uvicorn, websockets").exit() != 0) {
            fail(python + " lacks flask, fastapi, uvicorn or websockets: scripts/test installs python3-flask,"
                    + " python3-fastapi, python3-uvicorn and python3-websockets");
        }
        return python;
    }

    private static Path toolsDir() {
        String tools = System.getenv("CODERMON_TOOLS");
        return tools == null || tools.isBlank() ? Path.of(System.getProperty("user.home"), ".cache", "codermon")
                : Path.of(tools);
    }

    private static Path existing(Path path, String remedy) {
        if (!Files.exists(path)) {
            fail(path + " is missing: " + remedy);
        }
        return path;
    }

    private static String property(String name) {
        String value = System.getProperty(name);
        if (value == null) {
            fail("system property " + name + " is not set: run the system tests through Maven (system-tests/pom.xml)");
        }
        return value;
    }
}
