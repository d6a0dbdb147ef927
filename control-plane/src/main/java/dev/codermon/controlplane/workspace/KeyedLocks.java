package dev.codermon.controlplane.workspace;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Serializes work per key (a user's workspace name) without holding one global lock.
 *
 * <p>A lock is dropped from the map when its last holder or waiter leaves, so the map only holds keys
 * that are in use.
 */
final class KeyedLocks {

    private static final class Entry {
        final ReentrantLock lock = new ReentrantLock();
        int users;
    }

    private final ConcurrentHashMap<String, Entry> locks = new ConcurrentHashMap<>();

    /** Runs the work while holding the key's lock, waiting for it if another thread holds it. */
    <T> T withLock(String key, Supplier<T> work) {
        return locked(key, true, work).orElse(null);
    }

    /**
     * Runs the work while holding the key's lock, unless another thread holds it right now.
     *
     * @return the work's result, or empty if the key was busy (or the work returned null)
     */
    <T> Optional<T> tryWithLock(String key, Supplier<T> work) {
        return locked(key, false, work);
    }

    /** Returns whether the current thread holds the key's lock. */
    boolean heldByCurrentThread(String key) {
        Entry entry = locks.get(key);
        return entry != null && entry.lock.isHeldByCurrentThread();
    }

    private <T> Optional<T> locked(String key, boolean wait, Supplier<T> work) {
        Entry entry = locks.compute(key, (k, e) -> {
            Entry held = e == null ? new Entry() : e;
            held.users++;
            return held;
        });
        try {
            if (wait) {
                entry.lock.lock();
            } else if (!entry.lock.tryLock()) {
                return Optional.empty();
            }
            try {
                return Optional.ofNullable(work.get());
            } finally {
                entry.lock.unlock();
            }
        } finally {
            locks.computeIfPresent(key, (k, e) -> --e.users == 0 ? null : e);
        }
    }
}
