package dev.codermon.controlplane;

import dev.codermon.auth.route.ControlPlaneStore;
import dev.codermon.auth.route.RouteStoreException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.SQLException;
import java.util.function.BiPredicate;

/**
 * Wraps a real store so that calls fail, on demand, as they do when the store cannot be reached (unit tests
 * only): every call while {@link #down} is true, or only those a rule picks.
 */
public final class FlakyStore {

    /** While true, every call throws {@link RouteStoreException}. */
    public volatile boolean down;
    private volatile BiPredicate<String, Object[]> failing = (method, args) -> false;
    private volatile int failures;

    /** Returns the store that fails on demand. */
    public ControlPlaneStore wrap(ControlPlaneStore real) {
        InvocationHandler handler = (proxy, method, args) -> {
            if (!method.getName().equals("close") && (down || failing.test(method.getName(), args))) {
                failures++;
                throw new RouteStoreException("store unreachable (test)", new SQLException("connection refused"));
            }
            try {
                return method.invoke(real, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (ControlPlaneStore) Proxy.newProxyInstance(ControlPlaneStore.class.getClassLoader(),
                new Class<?>[] {ControlPlaneStore.class}, handler);
    }

    /** Makes the calls this rule picks (by method name and arguments) fail; the rest work. */
    public void failWhen(BiPredicate<String, Object[]> rule) {
        failing = rule;
    }

    /** Returns how many calls failed so far. */
    public int failures() {
        return failures;
    }
}
