package dev.codermon.controlplane.workspace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class KeyedLocksTest {

    private final KeyedLocks locks = new KeyedLocks();

    @Test
    void a_busy_key_is_skipped_by_try_and_waited_for_by_with_lock_while_other_keys_run() throws Exception {
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<String> holder = CompletableFuture.supplyAsync(() -> locks.withLock("alice/main", () -> {
            held.countDown();
            await(release);
            return "first";
        }));
        assertTrue(held.await(5, TimeUnit.SECONDS));

        assertEquals(Optional.empty(), locks.tryWithLock("alice/main", () -> "skipped"));
        assertEquals(Optional.of("other"), locks.tryWithLock("alice/dev", () -> "other"));
        CompletableFuture<String> waiter = CompletableFuture.supplyAsync(() -> locks.withLock("alice/main",
                () -> "second"));
        Thread.sleep(100);
        assertFalse(waiter.isDone(), "withLock ran while another thread held the key");

        release.countDown();
        assertEquals("first", holder.get(5, TimeUnit.SECONDS));
        assertEquals("second", waiter.get(5, TimeUnit.SECONDS));
        assertEquals(Optional.of("free"), locks.tryWithLock("alice/main", () -> "free"));
    }

    @Test
    void the_lock_is_held_only_while_the_work_runs_and_released_when_it_throws() {
        assertTrue(locks.withLock("k", () -> locks.heldByCurrentThread("k")));
        assertEquals(Optional.of(true), locks.tryWithLock("k", () -> locks.heldByCurrentThread("k")));
        assertFalse(locks.heldByCurrentThread("k"));
        assertThrows(IllegalStateException.class, () -> locks.withLock("k", () -> {
            throw new IllegalStateException("boom");
        }));
        assertFalse(locks.heldByCurrentThread("k"));
        assertEquals(Optional.of("again"), CompletableFuture.supplyAsync(() -> locks.tryWithLock("k", () -> "again"))
                .join());
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
