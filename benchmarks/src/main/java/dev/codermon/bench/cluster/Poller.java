package dev.codermon.bench.cluster;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Asks every proxy at once, each from its own thread and connection, for a hostname until it answers the
 * expected status: a request, then a pause of {@link #PAUSE_NANOS}, bounded by a deadline.
 */
final class Poller implements AutoCloseable {

    static final long PAUSE_NANOS = 1_000_000;

    private final List<ProxyClient> clients = new ArrayList<>();
    private final ExecutorService pool;

    Poller(List<InetSocketAddress> proxies, String proxyAuthorization) {
        for (InetSocketAddress p : proxies) {
            clients.add(new ProxyClient(p, proxyAuthorization));
        }
        pool = Executors.newFixedThreadPool(proxies.size());
    }

    int size() {
        return clients.size();
    }

    /**
     * Returns, per proxy, the nanoseconds from {@code since} (a System.nanoTime) to the first answer with
     * {@code status}, or -1 for a proxy that did not answer so before {@code deadlineNanos} passed.
     */
    long[] await(String hostname, int status, long since, long deadlineNanos) throws InterruptedException {
        long[][] both = await(hostname, 0, status, since, deadlineNanos);
        long[] out = new long[both.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = both[i][1];
        }
        return out;
    }

    /**
     * Returns, per proxy, two times in nanoseconds from {@code since} (-1: not before the deadline): to the
     * sending of the first request answered other than {@code before} (the proxy's table had changed; its
     * answer may take longer, e.g. a first connection to the upstream), and to the first answer with
     * {@code status}.
     */
    long[][] await(String hostname, int before, int status, long since, long deadlineNanos)
            throws InterruptedException {
        List<Future<long[]>> each = new ArrayList<>();
        for (ProxyClient c : clients) {
            each.add(pool.submit(() -> poll(c, hostname, before, status, since, deadlineNanos)));
        }
        long[][] out = new long[each.size()][];
        for (int i = 0; i < out.length; i++) {
            try {
                out[i] = each.get(i).get();
            } catch (ExecutionException e) {
                out[i] = new long[] {-1, -1};
            }
        }
        return out;
    }

    /** Returns one answer's status from each proxy (0 where the request failed). */
    int[] statusOnce(String hostname) {
        int[] out = new int[clients.size()];
        for (int i = 0; i < out.length; i++) {
            try {
                out[i] = clients.get(i).get(hostname);
            } catch (IOException | RuntimeException e) {
                out[i] = 0;
            }
        }
        return out;
    }

    private static long[] poll(ProxyClient c, String hostname, int before, int status, long since,
            long deadlineNanos) {
        long end = since + deadlineNanos;
        long changed = -1;
        while (System.nanoTime() < end) {
            long sent = System.nanoTime() - since;
            try {
                int got = c.get(hostname);
                long at = System.nanoTime() - since;
                if (got != before && changed < 0) {
                    // The previous request still got the old answer: the table changed after it, before
                    // this one was sent, so within one pause of this request's sending.
                    changed = sent;
                }
                if (got == status) {
                    return new long[] {changed, at};
                }
            } catch (IOException | RuntimeException e) {
                // a refused or reset connection is another "not yet"
            }
            LockSupport.parkNanos(PAUSE_NANOS);
        }
        return new long[] {changed, -1};
    }

    @Override
    public void close() throws InterruptedException {
        pool.shutdownNow();
        pool.awaitTermination(5, TimeUnit.SECONDS);
        clients.forEach(ProxyClient::close);
    }
}
