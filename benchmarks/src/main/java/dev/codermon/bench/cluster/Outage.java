package dev.codermon.bench.cluster;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The store goes away and comes back: with a route in place, stop PostgreSQL for {@code outageSeconds}
 * while every proxy is asked for that route every 50 ms (failures counted), start it again, then time
 * until a write succeeds, until a fresh route from that write is served by every proxy, and until each
 * proxy's {@code codermon_proxy_route_store_read_age_seconds} is under 2 s again.
 */
final class Outage {

    private static final long BOUND = TimeUnit.SECONDS.toNanos(120);

    private final BenchRoutes routes;
    private final List<InetSocketAddress> proxies;
    private final List<String> names;
    private final List<List<String>> metrics;
    private final String auth;

    Outage(BenchRoutes routes, List<InetSocketAddress> proxies, List<String> names, List<List<String>> metrics, String auth) {
        this.routes = routes;
        this.proxies = proxies;
        this.names = names;
        this.metrics = metrics;
        this.auth = auth;
    }

    void run(List<String> stopDb, List<String> startDb, int outageSeconds, PrintStream out)
            throws IOException, InterruptedException {
        String kept = routes.insert(routes.name("outage-kept"));
        try (Poller poller = new Poller(proxies, auth)) {
            long[] ready = poller.await(kept, 200, System.nanoTime(), TimeUnit.SECONDS.toNanos(10));
            for (long r : ready) {
                if (r < 0) {
                    throw new IllegalStateException("the route " + kept + " did not reach every proxy before the outage");
                }
            }
        }
        AtomicLongArray ok = new AtomicLongArray(proxies.size());
        AtomicLongArray failed = new AtomicLongArray(proxies.size());
        AtomicBoolean watching = new AtomicBoolean(true);
        Thread watcher = new Thread(() -> watch(kept, ok, failed, watching), "outage-watcher");
        watcher.start();
        run(stopDb);
        long stopped = System.nanoTime();
        Thread.sleep(TimeUnit.SECONDS.toMillis(outageSeconds));
        run(startDb);
        long started = System.nanoTime();
        watching.set(false);
        watcher.join();
        long outage = started - stopped;
        java.util.concurrent.ExecutorService ages = java.util.concurrent.Executors.newFixedThreadPool(metrics.size());
        List<java.util.concurrent.Future<Long>> ageBack = new java.util.ArrayList<>();
        for (List<String> m : metrics) {
            ageBack.add(ages.submit(() -> readAgeBack(m, started)));
        }

        String fresh = null;
        String freshName = routes.name("outage-fresh");
        long written = -1;
        while (System.nanoTime() - started < BOUND && fresh == null) {
            try {
                fresh = routes.insert(freshName);
                written = System.nanoTime();
            } catch (RuntimeException e) {
                Thread.sleep(100);
            }
        }
        if (fresh == null) {
            throw new IllegalStateException("no write succeeded within " + BOUND / 1_000_000_000L + " s of PostgreSQL's start");
        }
        long[] served;
        try (Poller poller = new Poller(proxies, auth)) {
            served = poller.await(fresh, 200, written, TimeUnit.SECONDS.toNanos(60));
        }
        long[] fresherAge = new long[proxies.size()];
        for (int i = 0; i < proxies.size(); i++) {
            try {
                fresherAge[i] = ageBack.get(i).get();
            } catch (java.util.concurrent.ExecutionException e) {
                fresherAge[i] = -1;
            }
        }
        ages.shutdownNow();
        report(out, outage, ok, failed, (written - started), served, fresherAge);
        out.printf(Locale.ROOT, "After the polling, the store holds the fresh workspace as %s and the one that was"
                + " there during the outage as %s (RUNNING: as written; LOST: a control plane's lost-node pass took"
                + " its route away).%n%n", routes.state(freshName), routes.state(routes.name("outage-kept")));
    }

    private void report(PrintStream out, long outage, AtomicLongArray ok, AtomicLongArray failed, long toWrite,
            long[] served, long[] age) {
        out.println("## Convergence after a store outage\n");
        out.printf(Locale.ROOT, "PostgreSQL stopped (`scripts/cluster db stop`) for %.1f s, while each proxy was"
                + " asked for an existing route every 50 ms. Time zero below is `scripts/cluster db start`"
                + " returning (PostgreSQL accepting connections); the fresh route is one insert retried every"
                + " 100 ms until it commits; each proxy is then polled as above (for at most 60 s); the metric is"
                + " read from each proxy's admin port (in its namespace) every 100 ms.%n%n", outage / 1e9);
        out.println("| proxy | requests during the outage | failed | fresh route served, ms after the write"
                + " | ms after the start | route store read age < 2 s, ms after the start |");
        out.println("| --- | ---: | ---: | ---: | ---: | ---: |");
        long slowest = 0;
        for (int i = 0; i < served.length; i++) {
            slowest = served[i] < 0 || slowest < 0 ? -1 : Math.max(slowest, served[i]);
            out.printf(Locale.ROOT, "| %s | %d | %d | %s | %s | %s |%n", names.get(i), ok.get(i) + failed.get(i),
                    failed.get(i), ms(served[i]), served[i] < 0 ? "never" : ms(served[i] + toWrite), ms(age[i]));
        }
        out.printf(Locale.ROOT, "%nFirst write after the start committed %s ms after it; the fresh route was %s.%n%n",
                ms(toWrite), slowest < 0 ? "never served by every proxy (see below)"
                        : "served by every proxy " + ms(slowest + toWrite) + " ms after the start");
        long failures = 0;
        for (int i = 0; i < served.length; i++) {
            failures += failed.get(i);
        }
        out.printf(Locale.ROOT, "RESULT outage_failed=%d outage_converged_ms=%s outage_write_ms=%s%n%n", failures,
                slowest < 0 ? "never" : ms(slowest + toWrite), ms(toWrite));
    }

    private static String ms(long nanos) {
        return nanos < 0 ? "never" : String.format(Locale.ROOT, "%.0f", nanos / 1e6);
    }

    private void watch(String host, AtomicLongArray ok, AtomicLongArray failed, AtomicBoolean watching) {
        try (Poller poller = new Poller(proxies, auth)) {
            long end = System.nanoTime() + BOUND;
            while (watching.get() && System.nanoTime() < end) {
                int[] status = poller.statusOnce(host);
                for (int i = 0; i < status.length; i++) {
                    if (status[i] == 200) {
                        ok.incrementAndGet(i);
                    } else {
                        failed.incrementAndGet(i);
                    }
                }
                Thread.sleep(50);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Nanoseconds from {@code since} until the proxy's route store read age is under 2 s, or -1. The admin
     * port listens on the namespace's loopback only: the command given reads it there (curl in the namespace).
     */
    private static long readAgeBack(List<String> fetch, long since) throws InterruptedException {
        while (System.nanoTime() - since < BOUND) {
            try {
                Process p = new ProcessBuilder(fetch).redirectError(ProcessBuilder.Redirect.DISCARD).start();
                String body = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
                for (String line : body.split("\n")) {
                    if (line.startsWith("codermon_proxy_route_store_read_age_seconds ")
                            && Double.parseDouble(line.substring(line.indexOf(' ') + 1).trim()) < 2.0) {
                        return System.nanoTime() - since;
                    }
                }
            } catch (IOException | RuntimeException e) {
                // not readable yet: asked again
            }
            Thread.sleep(100);
        }
        return -1;
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).inheritIO().redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("timed out: " + command);
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException("failed (" + p.exitValue() + "): " + command);
        }
    }
}
