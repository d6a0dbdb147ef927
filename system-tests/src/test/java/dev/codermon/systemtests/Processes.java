package dev.codermon.systemtests;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Stops processes the tests started, by PID, with their descendants. */
final class Processes {

    private Processes() {
    }

    /** Sends TERM to the process and its descendants, then KILL to whatever still runs after the grace period. */
    static void stopTree(ProcessHandle root, Duration grace) {
        List<ProcessHandle> all = new ArrayList<>();
        all.add(root);
        root.descendants().forEach(all::add);
        all.forEach(ProcessHandle::destroy);
        for (ProcessHandle p : all) {
            try {
                p.onExit().get(grace.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e) {
                break;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        all.forEach(ProcessHandle::destroyForcibly);
        all.forEach(p -> waitFor(p.onExit(), Duration.ofSeconds(10)));
    }

    /** Stops the process with this PID and its descendants, if it still runs. */
    static void stopTree(long pid, Duration grace) {
        ProcessHandle.of(pid).ifPresent(p -> stopTree(p, grace));
    }

    /** Kills a process at once (kill -9) and waits until it is gone. */
    static void kill(Process p) {
        p.destroyForcibly();
        waitFor(p.onExit(), Duration.ofSeconds(20));
    }

    private static void waitFor(CompletableFuture<?> exit, Duration timeout) {
        try {
            exit.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // Reported by the caller's own checks; cleanup goes on.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
