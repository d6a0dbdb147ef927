package dev.codermon.systemtests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A Docker daemon of the test's own, to restart under a running control plane: own data root, exec root,
 * pidfile, socket and bridge, no iptables, no forwarding or masquerading. The shared daemon is never touched.
 */
final class SecondDockerd implements AutoCloseable {

    private final Path dir;
    private final String bridge;
    private Process daemon;

    private SecondDockerd(Path dir, String bridge) {
        this.dir = dir;
        this.bridge = bridge;
    }

    /** Makes its directory and bridge (needs root and iproute2); not started yet. */
    static SecondDockerd create() throws IOException {
        Path dir = Codermon.shortTempDir("dockerd");
        Files.createDirectories(dir.resolve("data"));
        Files.createDirectories(dir.resolve("exec"));
        String bridge = "cmf" + ProcessHandle.current().pid() % 100_000;
        SecondDockerd d = new SecondDockerd(dir, bridge);
        Duration t = Duration.ofSeconds(20);
        int net = ThreadLocalRandom.current().nextInt(20, 220);
        for (List<String> cmd : List.of(List.of("ip", "link", "add", bridge, "type", "bridge"),
                List.of("ip", "addr", "add", "10.213." + net + ".1/24", "dev", bridge),
                List.of("ip", "link", "set", bridge, "up"))) {
            Commands.Result r = Commands.run(t, Map.of(), cmd);
            if (!r.ok()) {
                d.close();
                throw new IllegalStateException(String.join(" ", cmd) + " failed: " + r.out());
            }
        }
        return d;
    }

    String socket() {
        return dir.resolve("sock").toString();
    }

    Docker docker() {
        return Docker.at(socket());
    }

    /** Starts the daemon and waits up to 60 s until it answers; fails with its log's tail otherwise. */
    void start() {
        try {
            daemon = new ProcessBuilder("setsid", "dockerd", "--data-root", dir.resolve("data").toString(),
                    "--exec-root", dir.resolve("exec").toString(), "--pidfile", dir.resolve("pid").toString(),
                    "-H", "unix://" + socket(), "--bridge", bridge, "--iptables=false", "--ip6tables=false",
                    "--ip-forward=false", "--ip-masq=false").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("dockerd.log").toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Process p = daemon;
        try {
            Await.condition("the second dockerd answers on " + socket(), Duration.ofSeconds(60), () -> {
                if (!p.isAlive()) {
                    throw new Await.Abort("dockerd exited with " + p.exitValue());
                }
                return docker().run("info").ok();
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n" + logTail(), e);
        }
    }

    /** Copies an image from the shared daemon into this one (docker save | docker load). */
    Commands.Result load(String image) {
        return Commands.run(Duration.ofMinutes(5), Map.of(), List.of("sh", "-c",
                "docker save \"$0\" | docker -H \"unix://$1\" load", image, socket()));
    }

    /** Stops the daemon by its PID (TERM, KILL after 30 s); its containers stop with it. */
    void halt() {
        if (daemon != null) {
            Processes.stopTree(daemon.toHandle(), Duration.ofSeconds(30));
            daemon = null;
        }
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(dir.resolve("dockerd.log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no dockerd log: " + e.getMessage() + ")";
        }
    }

    /** Removes its containers, stops it, deletes its bridge and directory. */
    @Override
    public void close() {
        if (daemon != null) {
            String ids = docker().run("ps", "-aq").out().strip();
            for (String id : ids.isEmpty() ? new String[0] : ids.split("\\s+")) {
                docker().run("rm", "-f", id);
            }
            String volumes = docker().run("volume", "ls", "-q").out().strip();
            for (String v : volumes.isEmpty() ? new String[0] : volumes.split("\\s+")) {
                docker().run("volume", "rm", v);
            }
            halt();
        }
        Commands.run(Duration.ofSeconds(20), "ip", "link", "del", bridge);
        // dockerd mounts its data and exec roots on themselves; a daemon stopped by signal may leave them.
        for (String root : List.of("exec", "data")) {
            Path path = dir.resolve(root);
            while (Files.exists(path) && Commands.run(Duration.ofSeconds(60), "mountpoint", "-q", path.toString()).ok()) {
                if (!Commands.run(Duration.ofSeconds(60), "umount", "-R", path.toString()).ok()) {
                    break;
                }
            }
        }
        Codermon.deleteTree(dir);
    }
}
