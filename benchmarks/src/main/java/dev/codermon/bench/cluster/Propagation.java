package dev.codermon.bench.cluster;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Route changes to every proxy: for each of {@code changes} workspaces, insert its route (commit returned:
 * time zero) and wait until every proxy serves its hostname (200), then delete it and wait until every
 * proxy answers 403 (no route). Changes do not overlap; a short pause separates them.
 */
final class Propagation {

    private static final long DEADLINE = TimeUnit.SECONDS.toNanos(5);

    private final BenchRoutes routes;
    private final Poller poller;
    private final List<String> proxyNames;

    Propagation(BenchRoutes routes, Poller poller, List<String> proxyNames) {
        this.routes = routes;
        this.poller = poller;
        this.proxyNames = proxyNames;
    }

    void run(int changes, long pauseMillis, PrintStream out) throws InterruptedException {
        Percentiles addAll = new Percentiles();
        Percentiles removeAll = new Percentiles();
        List<Percentiles> addEach = new ArrayList<>();
        List<Percentiles> removeEach = new ArrayList<>();
        Percentiles knownAll = new Percentiles();
        List<Percentiles> knownEach = new ArrayList<>();
        for (int i = 0; i < poller.size(); i++) {
            addEach.add(new Percentiles());
            removeEach.add(new Percentiles());
            knownEach.add(new Percentiles());
        }
        long writeNanos = 0;
        for (int i = 0; i < changes; i++) {
            String name = routes.name("p" + i);
            long before = System.nanoTime();
            String host = routes.insert(name);
            long committed = System.nanoTime();
            writeNanos += committed - before;
            long[][] added = poller.await(host, 403, 200, committed, DEADLINE);
            long[] known = new long[added.length];
            long[] served = new long[added.length];
            for (int p = 0; p < added.length; p++) {
                known[p] = added[p][0];
                served[p] = added[p][1];
            }
            record(known, knownAll, knownEach);
            record(served, addAll, addEach);
            Thread.sleep(pauseMillis);
            routes.delete(name);
            record(poller.await(host, 403, System.nanoTime(), DEADLINE), removeAll, removeEach);
            Thread.sleep(pauseMillis);
            if ((i + 1) % 50 == 0) {
                System.err.printf("  %d of %d route changes%n", i + 1, changes);
            }
        }
        out.println("## Route change to every proxy\n");
        out.printf(java.util.Locale.ROOT, "%d workspaces added and then removed one at a time through the store"
                + " (SqlRouteStore.insert, then delete; %.1f ms per insert on average, commit included). Time zero"
                + " is the write's commit returning; each proxy is asked for the hostname from its own thread and"
                + " connection, a request then a %d ms pause, until it answers 200 (added) or 403 (removed), for"
                + " at most %d s. \"every proxy\" is the slowest of the %d for each change.%n%n",
                changes, writeNanos / 1e6 / changes, Poller.PAUSE_NANOS / 1_000_000, DEADLINE / 1_000_000_000L,
                poller.size());
        out.println(Percentiles.header("route added, served (200) by"));
        out.println(addAll.row("**every proxy**"));
        for (int i = 0; i < poller.size(); i++) {
            out.println(addEach.get(i).row("proxy " + proxyNames.get(i)));
        }
        out.println();
        out.println("The same additions, until the sending of the first request that a proxy answered other than"
                + " 403 (no route). A proxy holds a request for a hostname its table lacks until its route follower"
                + " has read the store once more (docs/proxy.md), so this is mostly the first request sent after the"
                + " commit; the time above adds that read and the first request to the new workspace (a new"
                + " connection to the socket, or from n2 and n3 to n1's relay: a new stream on the multiplexed"
                + " connection, or first that connection: TCP and the TLS handshake with client certificates).\n");
        out.println(Percentiles.header("route added, known (not 403) by"));
        out.println(knownAll.row("**every proxy**"));
        for (int i = 0; i < poller.size(); i++) {
            out.println(knownEach.get(i).row("proxy " + proxyNames.get(i)));
        }
        out.println();
        out.println(Percentiles.header("route removed, refused (403) by"));
        out.println(removeAll.row("**every proxy**"));
        for (int i = 0; i < poller.size(); i++) {
            out.println(removeEach.get(i).row("proxy " + proxyNames.get(i)));
        }
        out.println();
        out.printf(java.util.Locale.ROOT, "RESULT propagation_p99_ms=%.1f propagation_p50_ms=%.1f"
                + " propagation_max_ms=%.1f propagation_missed=%d known_p99_ms=%.1f removed_p99_ms=%.1f%n%n",
                addAll.at(0.99), addAll.at(0.5), addAll.at(1.0), addAll.missed(), knownAll.at(0.99),
                removeAll.at(0.99));
    }

    private static void record(long[] nanos, Percentiles all, List<Percentiles> each) {
        long slowest = 0;
        boolean missed = false;
        for (int i = 0; i < nanos.length; i++) {
            if (nanos[i] < 0) {
                each.get(i).miss();
                missed = true;
            } else {
                each.get(i).add(nanos[i] / 1e6);
                slowest = Math.max(slowest, nanos[i]);
            }
        }
        if (missed) {
            all.miss();
        } else {
            all.add(slowest / 1e6);
        }
    }
}
