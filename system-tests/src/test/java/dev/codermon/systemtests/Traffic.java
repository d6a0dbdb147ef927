package dev.codermon.systemtests;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bounded background load: one thread per target sends GET http://host/healthz through one proxy every
 * 50 ms and counts answers by outcome, until stopped or until its time limit is up.
 */
final class Traffic implements AutoCloseable {

    private static final Duration PACE = Duration.ofMillis(50);

    /** A workspace host reached through one proxy (node i's). */
    record Target(int proxyNode, String host) {
        @Override
        public String toString() {
            return host + " via n" + proxyNode + "'s proxy";
        }
    }

    /** What one target saw: requests sent, those that did not answer 200, and the first few of those. */
    record Count(int sent, int failed, List<String> firstFailures) {
    }

    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Map<Target, AtomicInteger> sent = new LinkedHashMap<>();
    private final Map<Target, AtomicInteger> failed = new LinkedHashMap<>();
    private final Map<Target, List<String>> failures = new LinkedHashMap<>();
    private final List<Thread> threads = new ArrayList<>();

    /** Starts the load; it stops by itself after maxDuration. */
    Traffic(String token, Duration maxDuration, List<Target> targets) {
        long end = System.nanoTime() + maxDuration.toNanos();
        for (Target t : targets) {
            sent.put(t, new AtomicInteger());
            failed.put(t, new AtomicInteger());
            failures.put(t, java.util.Collections.synchronizedList(new ArrayList<>()));
            ProxyClient client = ProxyClient.bearer(LocalCluster.addr(t.proxyNode()), LocalCluster.PROXY_PORT, token)
                    .timeout(Duration.ofSeconds(10));
            Thread thread = new Thread(() -> {
                while (running.get() && System.nanoTime() - end < 0) {
                    ProxyClient.Reply r = client.get("http://" + t.host() + "/healthz");
                    sent.get(t).incrementAndGet();
                    if (r.status() != 200) {
                        failed.get(t).incrementAndGet();
                        if (failures.get(t).size() < 5) {
                            failures.get(t).add(java.time.Instant.now() + " " + r.status() + " " + r.body().strip());
                        }
                    }
                    Await.pause(PACE);
                }
            }, "traffic " + t);
            thread.setDaemon(true);
            thread.start();
            threads.add(thread);
        }
    }

    /** Stops the load and returns what each target saw. */
    Map<Target, Count> stop() {
        running.set(false);
        for (Thread t : threads) {
            try {
                t.join(15_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
        Map<Target, Count> out = new LinkedHashMap<>();
        for (Target t : sent.keySet()) {
            out.put(t, new Count(sent.get(t).get(), failed.get(t).get(), List.copyOf(failures.get(t))));
        }
        System.out.println("traffic: " + out);
        return out;
    }

    @Override
    public void close() {
        running.set(false);
    }
}
