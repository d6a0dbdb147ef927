package dev.codermon.controlplane.workspace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codermon.controlplane.runtime.RuntimeUnavailableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class AppPortsTest {

    private final AtomicLong nanos = new AtomicLong();
    private final AtomicInteger listings = new AtomicInteger();
    private final AtomicReference<List<Integer>> listening = new AtomicReference<>(List.of(3000));

    private AppPorts appPorts() {
        return new AppPorts(ref -> {
            listings.incrementAndGet();
            return listening.get();
        }, Duration.ofSeconds(2), nanos::get);
    }

    @Test
    void oneListingAnswersUntilItIsStale() {
        AppPorts ports = appPorts();
        for (int i = 0; i < 5; i++) {
            assertEquals(List.of(3000), ports.of("w1", "node:n2:ws-1"));
        }
        assertEquals(1, listings.get(), "five questions in a row, one listing");

        listening.set(List.of(3000, 8501));
        nanos.addAndGet(Duration.ofMillis(1900).toNanos());
        assertEquals(List.of(3000), ports.of("w1", "node:n2:ws-1"), "still fresh after 1.9 s");
        nanos.addAndGet(Duration.ofMillis(200).toNanos());
        assertEquals(List.of(3000, 8501), ports.of("w1", "node:n2:ws-1"), "listed again after 2.1 s");
        assertEquals(2, listings.get());

        assertEquals(List.of(3000, 8501), ports.of("w1", "node:n2:ws-2"), "another instance has a listing of its own");
        assertEquals(3, listings.get());
        listening.set(List.of());
        assertEquals(List.of(), ports.of("w2", "node:n2:ws-2"),
                "the same reference for another workspace (a process id used again) has a listing of its own");
        assertEquals(4, listings.get());
    }

    @Test
    void aFailedListingIsNotKept() {
        AtomicInteger calls = new AtomicInteger();
        AppPorts ports = new AppPorts(ref -> {
            if (calls.incrementAndGet() == 1) {
                throw new RuntimeUnavailableException("node n2 is not reporting, so the workspace's apps cannot be"
                        + " listed now");
            }
            return List.of(5173);
        }, Duration.ofSeconds(2), nanos::get);

        RuntimeUnavailableException e = assertThrows(RuntimeUnavailableException.class,
                () -> ports.of("w1", "node:n2:a"));
        assertEquals("node n2 is not reporting, so the workspace's apps cannot be listed now", e.getMessage());
        assertEquals(List.of(5173), ports.of("w1", "node:n2:a"), "the next question lists again, at once");
        assertEquals(2, calls.get());
    }

    @Test
    void questionsAskedWhileAListingRunsWaitForThatOne() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AppPorts ports = new AppPorts(ref -> {
            listings.incrementAndGet();
            entered.countDown();
            try {
                assertTrue(release.await(10, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return List.of(8000);
        }, Duration.ofSeconds(2), nanos::get);
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<List<Integer>>> answers = new ArrayList<>();
            answers.add(pool.submit(() -> ports.of("w1", "node:n3:x")));
            assertTrue(entered.await(10, TimeUnit.SECONDS), "the first question started a listing");
            for (int i = 0; i < 5; i++) {
                answers.add(pool.submit(() -> ports.of("w1", "node:n3:x")));
            }
            Thread.sleep(200); // the five are waiting (a second listing would count up)
            assertEquals(1, listings.get(), "no second listing while the first runs");
            release.countDown();
            for (Future<List<Integer>> a : answers) {
                assertEquals(List.of(8000), a.get(10, TimeUnit.SECONDS));
            }
            assertEquals(1, listings.get(), "six questions, one listing");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void questionsWaitingOnAFailedListingGetItsReason() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        RuntimeUnavailableException failure = new RuntimeUnavailableException("node n2 could not list the"
                + " workspace's apps: its agent did not finish job 7 within 10 s (queued)");
        AppPorts ports = new AppPorts(ref -> {
            entered.countDown();
            try {
                assertTrue(release.await(10, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            throw failure;
        }, Duration.ofSeconds(2), nanos::get);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<?> first = pool.submit(() -> ports.of("w1", "node:n2:y"));
            assertTrue(entered.await(10, TimeUnit.SECONDS));
            Future<?> waiting = pool.submit(() -> ports.of("w1", "node:n2:y"));
            Thread.sleep(200);
            release.countDown();
            for (Future<?> f : List.of(first, waiting)) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
                assertSame(failure, e.getCause(), "the listing's own reason, not a wrapper");
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
