package dev.codermon.systemtests;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Runs one of the real-browser checks in scripts/lib (headless Chromium driven by playwright-core). */
final class Chromium {

    private Chromium() {
    }

    /** Runs {@code node scripts/lib/SCRIPT ARGS...}; the result's output holds its PASS/FAIL lines. */
    static Commands.Result run(Duration timeout, String script, String... args) {
        List<String> command = new ArrayList<>(List.of("node", Tools.root().resolve("scripts/lib/" + script).toString()));
        command.addAll(List.of(args));
        return Commands.run(timeout, Map.of("PLAYWRIGHT_DIR", Tools.playwright().toString()), command);
    }

    /** Returns target/system-tests/NAME/FILE, for a screenshot. */
    static Path shot(String name, String file) {
        return Tools.artifacts(name).resolve(file);
    }
}
