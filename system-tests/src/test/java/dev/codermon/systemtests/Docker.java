package dev.codermon.systemtests;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** The docker CLI against one daemon (the shared one, or a test's own through its socket). */
final class Docker {

    private static final Docker SHARED = new Docker(null);
    private final String host;

    private Docker(String host) {
        this.host = host;
    }

    /** Returns the daemon the environment names (DOCKER_HOST, else the default socket). */
    static Docker shared() {
        return SHARED;
    }

    /** Returns the daemon listening on this unix socket. */
    static Docker at(String socket) {
        return new Docker("unix://" + socket);
    }

    /** Runs {@code docker ARGS...} against this daemon. */
    Commands.Result run(String... args) {
        List<String> command = new ArrayList<>(List.of("docker"));
        if (host != null) {
            command.addAll(List.of("-H", host));
        }
        command.addAll(Arrays.asList(args));
        return Commands.run(Duration.ofSeconds(120), Map.of(), command);
    }

    /** Returns the output of {@code docker inspect -f FORMAT NAME}, stripped, or "gone" if it does not exist. */
    String inspect(String format, String name) {
        Commands.Result r = run("container", "inspect", "-f", format, name);
        return r.ok() ? r.out().strip() : "gone";
    }

    boolean containerExists(String name) {
        return run("container", "inspect", name).ok();
    }

    boolean volumeExists(String name) {
        return run("volume", "inspect", name).ok();
    }

    /** Returns the ids of the containers (running or not) carrying every one of these labels. */
    List<String> containers(Map<String, String> labels) {
        List<String> args = new ArrayList<>(List.of("ps", "-aq"));
        labels.forEach((k, v) -> args.addAll(List.of("--filter", "label=" + k + "=" + v)));
        String out = run(args.toArray(String[]::new)).out().strip();
        return out.isEmpty() ? List.of() : List.of(out.split("\\s+"));
    }

    /** Returns the label's value on the container, or "" when it has none. */
    String label(String container, String label) {
        String v = inspect("{{index .Config.Labels \"" + label + "\"}}", container);
        return "<no value>".equals(v) ? "" : v;
    }

    /** Removes the containers and volumes carrying this label, tolerating "already gone". */
    void removeLabelled(String label, String value) {
        for (String id : containers(Map.of(label, value))) {
            run("rm", "-f", id);
        }
        String volumes = run("volume", "ls", "-q", "--filter", "label=" + label + "=" + value).out().strip();
        for (String v : volumes.isEmpty() ? new String[0] : volumes.split("\\s+")) {
            run("volume", "rm", v);
        }
    }
}
