package dev.codermon.proxy;

import dev.codermon.auth.CodermonHome;
import dev.codermon.auth.TokenIssuer;
import dev.codermon.auth.route.ChangeDoorbell;
import dev.codermon.auth.route.ProxyStore;
import dev.codermon.auth.route.RouteFeed;
import dev.codermon.auth.route.RouteStoreException;
import dev.codermon.auth.route.SqliteRouteStore;
import dev.codermon.auth.route.WorkspaceRecord;
import dev.codermon.auth.route.WorkspaceState;
import dev.codermon.auth.testing.TestTokens;
import dev.codermon.proxy.testing.TestUpstream;
import java.io.IOException;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Starts a real proxy over a real SQLite route store (written through a second connection, as the
 * control plane would) in front of a real test upstream on a unix socket, with routes for alice and bob
 * (both to that socket) and for alice's workspace {@link #ALICE_DOWN_HOST}, whose socket does not exist.
 */
public final class ProxyFixture implements AutoCloseable, AfterAllCallback, BeforeEachCallback {

    public static final String ALICE_HOST = "main.alice.codermon.internal";
    public static final String BOB_HOST = "main.bob.codermon.internal";
    public static final String ALICE_DOWN_HOST = "down.alice.codermon.internal";

    public final TestTokens tokens = new TestTokens();
    public final TestUpstream upstream;
    public final SqliteRouteStore controlPlaneStore;
    private final SqliteRouteStore proxyStore;
    private final java.util.concurrent.atomic.AtomicBoolean storeDown = new java.util.concurrent.atomic.AtomicBoolean();
    public EdgeProxy proxy;
    private final Path dir;
    private final AccessSettings access;
    private final ProxyLimits limits;
    private final int adminPort;
    /** The store a proxy restarted by {@link #restartProxyOpeningItsStore} opened itself. */
    private DeferredStore<?> openedStore;

    public ProxyFixture() throws Exception {
        this(AccessSettings.defaults());
    }

    /**
     * Starts a proxy for one test class to share: register it with {@code @RegisterExtension} on a static
     * field. It clears the upstream's record before each test and closes after the last.
     */
    public static ProxyFixture perClass() {
        try {
            return new ProxyFixture();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the proxy fixture: " + e, e);
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        upstream.clear();
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        close();
    }

    /** Starts the proxy with the given session, revocation and activity settings. */
    public ProxyFixture(AccessSettings access) throws Exception {
        this(access, ProxyLimits.defaults(), -1);
    }

    /** Starts the proxy with the given limits and admin port (0: any free one, -1: none). */
    public ProxyFixture(ProxyLimits limits, int adminPort) throws Exception {
        this(AccessSettings.defaults(), limits, adminPort);
    }

    private ProxyFixture(AccessSettings access, ProxyLimits limits, int adminPort) throws Exception {
        dir = Files.createTempDirectory("edge-proxy-it");
        upstream = new TestUpstream().start();
        Path db = new CodermonHome(dir).routeStoreFile();
        controlPlaneStore = SqliteRouteStore.open(db);
        proxyStore = SqliteRouteStore.open(db);
        addRoute("ws-alice", "alice", "main", ALICE_HOST, upstream.socket());
        addRoute("ws-bob", "bob", "main", BOB_HOST, upstream.socket());
        addRoute("ws-alice-down", "alice", "down", ALICE_DOWN_HOST, missingSocket());
        this.access = access;
        this.limits = limits;
        this.adminPort = adminPort;
        proxy = startProxy();
    }

    private EdgeProxy startProxy() throws InterruptedException {
        return new EdgeProxy(new ProxyConfig(new CodermonHome(dir), "127.0.0.1", 0, "codermon.internal",
                adminPort, limits), access, failing(ProxyStore.class, proxyStore),
                failing(RouteFeed.class, proxyStore), tokens.verifier()).start();
    }

    /** Stops the proxy and starts another on the same data directory (and route snapshot); returns its port. */
    public int restartProxy() throws InterruptedException {
        proxy.close();
        proxy = startProxy();
        return proxy.port();
    }

    /**
     * Stops the proxy and starts another on the same data directory whose store is opened as
     * {@code EdgeProxyMain} opens it ({@link DeferredStore}: if it cannot be opened and a route snapshot exists,
     * the proxy starts from the snapshot and opens the store again every {@code retry}), from the SQLite file
     * that {@code file} names at each attempt.
     */
    public void restartProxyOpeningItsStore(Duration retry, java.util.function.Supplier<Path> file)
            throws InterruptedException {
        proxy.close();
        closeOpenedStore();
        DeferredStore<SqliteRouteStore> store = DeferredStore.open(() -> SqliteRouteStore.open(file.get()),
                routeSnapshotFile(), retry);
        openedStore = store;
        proxy = new EdgeProxy(new ProxyConfig(new CodermonHome(dir), "127.0.0.1", 0, "codermon.internal",
                adminPort, limits), access, store, store, tokens.verifier()).start();
    }

    private void closeOpenedStore() {
        if (openedStore != null) {
            openedStore.close();
            openedStore = null;
        }
    }

    /** Returns the SQLite file of the store. */
    public Path routeStoreFile() {
        return new CodermonHome(dir).routeStoreFile();
    }

    /** Returns the file where the proxy keeps its route snapshot. */
    public Path routeSnapshotFile() {
        return new ProxyConfig(new CodermonHome(dir), "127.0.0.1", 0, "codermon.internal", -1, limits)
                .routeSnapshotFile();
    }

    /**
     * Makes every read and write of the proxy's store fail (as an unreadable SQLite file does) or work
     * again; the control plane's view is not affected.
     */
    public void storeOutage(boolean down) {
        storeDown.set(down);
    }

    /** Wraps the proxy's side of the store so that {@link #storeOutage} fails it, its doorbells too. */
    private <T> T failing(Class<T> type, T target) {
        return type.cast(java.lang.reflect.Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
                (self, method, args) -> {
                    if (method.getName().equals("reader")) {
                        return self; // reads through this wrapper, not a connection of the store's own
                    }
                    if (storeDown.get() && !method.getName().equals("close")) {
                        throw new RouteStoreException("route store unavailable (test outage)", null);
                    }
                    try {
                        Object result = method.invoke(target, args);
                        return result instanceof ChangeDoorbell doorbell
                                ? failing(ChangeDoorbell.class, doorbell) : result;
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                }));
    }

    /**
     * Writes a running workspace whose code-server listens on the given unix socket, and waits until the
     * proxy's route table holds it.
     */
    public void addRoute(String id, String user, String name, String host, String socket) {
        Instant now = Instant.now();
        controlPlaneStore.insert(new WorkspaceRecord(id, user, name, host, socket, WorkspaceState.RUNNING, "test",
                now, now));
        awaitRoute(host, true);
    }

    /** Deletes a workspace and waits until the proxy's route table no longer holds its route. */
    public void removeRoute(String id, String host) {
        if (!controlPlaneStore.delete(id)) {
            throw new IllegalStateException("no workspace " + id);
        }
        awaitRoute(host, false);
    }

    /** Waits (up to 5 s) until the proxy holds a route for the host, or none. */
    public void awaitRoute(String host, boolean present) {
        if (proxy == null) {
            return;
        }
        long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while ((proxy.routes().find(host) != null) != present) {
            if (System.nanoTime() > end) {
                throw new IllegalStateException("the proxy's route table still " + (present ? "lacks " : "holds ")
                        + host + " after 5 s");
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** Returns an absolute socket path in this fixture's directory where no file exists. */
    public String missingSocket() {
        return dir.resolve("sockets").resolve("nothing-here").resolve("cs.sock").toString();
    }

    public int port() {
        return proxy.port();
    }

    public String token(String user) {
        return tokens.tokenFor(user);
    }

    /** Returns a correctly signed token for the user that expired an hour ago. */
    public String expiredToken(String user) {
        Clock past = Clock.fixed(Instant.now().minus(Duration.ofHours(2)), java.time.ZoneOffset.UTC);
        return new TokenIssuer(tokens.privateKey(), past).issue(user, Duration.ofHours(1)).token();
    }

    @Override
    public void close() throws IOException {
        // The data directory goes even if something fails to close, so no run leaves it in /tmp.
        try {
            proxy.close();
            closeOpenedStore();
            upstream.close();
            proxyStore.close();
            controlPlaneStore.close();
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
