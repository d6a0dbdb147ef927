package dev.codermon.controlplane.workspace;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * Lists the ports a workspace instance's apps listen on at most once per {@link #FRESH_FOR}, however often
 * it is asked (per workspace and instance: a process id that comes back for another workspace is another
 * key). A listing is work outside the control plane: a {@code docker exec} on this host, or on a
 * cluster a job on the workspace's node, whose agent does its jobs one after the other. So a user (or a
 * page of hers) asking in a loop must not keep the host or a node's agent busy, holding up everyone
 * else's starts and stops there. Whoever asks while a listing runs waits for that one; a listing that
 * failed is not kept, so the next question asks again.
 */
final class AppPorts {

    /** How long a listing answers for an instance: the console asks every 10 s, a script may ask in a loop. */
    static final Duration FRESH_FOR = Duration.ofSeconds(2);

    private final Function<String, List<Integer>> lister;
    private final AsyncCache<Instance, List<Integer>> listed;

    private record Instance(String workspaceId, String runtimeRef) {
    }

    /**
     * @param lister   lists the ports of the instance with this runtime reference (may throw)
     * @param freshFor how long one listing answers
     * @param ticker   the time source of {@code freshFor}
     */
    AppPorts(Function<String, List<Integer>> lister, Duration freshFor, Ticker ticker) {
        this.lister = lister;
        this.listed = Caffeine.newBuilder().expireAfterWrite(freshFor).maximumSize(100_000).ticker(ticker)
                .buildAsync();
    }

    /**
     * Returns the ports of the workspace's instance with this runtime reference, listed now or at most
     * FRESH_FOR ago.
     */
    List<Integer> of(String workspaceId, String runtimeRef) {
        CompletableFuture<List<Integer>> mine = new CompletableFuture<>();
        CompletableFuture<List<Integer>> current = listed.get(new Instance(workspaceId, runtimeRef),
                (instance, executor) -> mine);
        if (current == mine) {
            try {
                mine.complete(List.copyOf(lister.apply(runtimeRef)));
            } catch (RuntimeException | Error e) {
                mine.completeExceptionally(e); // also taken out of the cache, so the next question lists again
                throw e;
            }
        }
        try {
            return current.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }
}
