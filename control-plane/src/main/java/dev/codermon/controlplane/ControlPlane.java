package dev.codermon.controlplane;

import com.nimbusds.jose.jwk.ECKey;
import dev.codermon.auth.CodermonHome;
import dev.codermon.auth.SigningKeys;
import dev.codermon.auth.TokenIssuer;
import dev.codermon.auth.TokenVerifier;
import dev.codermon.auth.route.ControlPlaneStore;
import dev.codermon.auth.route.Leadership;
import dev.codermon.auth.route.SqlRouteStore;
import dev.codermon.auth.route.StoreSettings;
import dev.codermon.auth.route.Stores;
import dev.codermon.controlplane.ssh.SshKeyService;
import dev.codermon.controlplane.ssh.WorkspaceSshFiles;
import dev.codermon.controlplane.api.AdminKey;
import dev.codermon.controlplane.api.ApiAuthenticator;
import dev.codermon.controlplane.api.TokenService;
import dev.codermon.controlplane.login.OidcSettings;
import dev.codermon.controlplane.login.ProviderRecheck;
import dev.codermon.controlplane.monitor.ClusterJobs;
import dev.codermon.controlplane.monitor.HealthCheck;
import dev.codermon.controlplane.monitor.Reconciler;
import dev.codermon.controlplane.monitor.WorkspaceMonitor;
import dev.codermon.controlplane.runtime.HealthProbe;
import dev.codermon.controlplane.node.LostNodes;
import dev.codermon.controlplane.node.NodeRuntime;
import dev.codermon.controlplane.runtime.RuntimeChoice;
import dev.codermon.controlplane.runtime.RuntimeKind;
import dev.codermon.controlplane.runtime.WorkspaceRuntime;
import dev.codermon.controlplane.workspace.WorkspaceService;
import io.javalin.Javalin;
import java.time.Clock;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires the production services from the config, reconciles the store and starts serving.
 *
 * <p>Closing stops the API and closes the store but leaves workspaces running: the proxy keeps serving
 * them, and the next start finds them again.
 */
final class ControlPlane implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ControlPlane.class);
    /** How much longer than its ready timeout another replica's start may take before it counts as interrupted. */
    private static final java.time.Duration OTHERS_MARGIN = java.time.Duration.ofSeconds(30);
    /** How long a node's agent may take to pick a start up, on top of code-server's ready timeout. */
    private static final java.time.Duration NODE_TAKE_MARGIN = java.time.Duration.ofSeconds(30);
    private static final java.util.concurrent.atomic.AtomicInteger STARTED = new java.util.concurrent.atomic.AtomicInteger();

    private final Javalin app;
    private final ControlPlaneStore store;
    private final AdminKey adminKey;
    private final WorkspaceMonitor monitor;
    private final WorkspaceRuntime runtime;
    private final ClusterJobs jobs;

    private ControlPlane(Javalin app, ControlPlaneStore store, AdminKey adminKey, WorkspaceMonitor monitor,
            WorkspaceRuntime runtime, ClusterJobs jobs) {
        this.jobs = jobs;
        this.app = app;
        this.store = store;
        this.adminKey = adminKey;
        this.monitor = monitor;
        this.runtime = runtime;
    }

    /**
     * Starts the control plane.
     *
     * @throws IllegalArgumentException or IllegalStateException with a message fit to show to the operator
     */
    public static ControlPlane start(ControlPlaneConfig config) {
        return start(config, Optional.empty());
    }

    /**
     * Starts the control plane; with OpenID Connect settings people sign in through their provider too.
     *
     * @throws IllegalArgumentException or IllegalStateException with a message fit to show to the operator
     */
    public static ControlPlane start(ControlPlaneConfig config, Optional<OidcSettings> oidc) {
        return start(config, oidc, null);
    }

    /**
     * Starts one of several control planes on one store: it runs the cluster-wide jobs (reconcile, the
     * monitor, pruning, the provider re-check) only while {@code leadership} says it leads them, and a
     * request finding another replica's start in flight waits for it. Null: the store's own (on PostgreSQL
     * its advisory locks; on SQLite none: the only control plane).
     *
     * @throws IllegalArgumentException or IllegalStateException with a message fit to show to the operator
     */
    static ControlPlane start(ControlPlaneConfig config, Optional<OidcSettings> oidc, Leadership leadership) {
        CodermonHome home = new CodermonHome(config.home());
        HealthProbe probe = new HealthProbe();
        home.ensureExists();
        AdminKey adminKey = AdminKey.resolve(config.adminKey(), home);
        ECKey signingKey = SigningKeys.loadOrCreate(home);
        TokenIssuer issuer = new TokenIssuer(signingKey, Clock.systemUTC());
        TokenVerifier verifier = new TokenVerifier(SigningKeys.loadPublic(home));
        StoreSettings storeSettings = StoreSettings.fromEnv(System.getenv(), home);
        SqlRouteStore sqlite = Stores.open(storeSettings);
        ControlPlaneStore store = sqlite;
        // On PostgreSQL other control planes may share the store: the advisory locks decide who runs each job.
        // On SQLite this is the only control plane, and it runs them all at once, as before.
        Leadership led = leadership != null ? leadership
                : storeSettings.backend() == StoreSettings.Backend.POSTGRES ? sqlite.leadership() : null;
        ClusterJobs jobs = led == null ? ClusterJobs.alone(replicaName())
                : new ClusterJobs(led, replicaName(), config.readyTimeout().plus(OTHERS_MARGIN));
        WorkspaceRuntime runtime;
        try {
            runtime = config.runtime().kind() == RuntimeKind.NODES
                    ? new NodeRuntime(sqlite.nodeJobs(), sqlite, store, config.readyTimeout().plus(NODE_TAKE_MARGIN),
                            Clock.systemUTC())
                    : RuntimeChoice.open(config.runtime(), config.codeServerBin(), config.readyTimeout(), home, probe);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        WorkspaceMonitor monitor = null;
        try {
            // On nodes a workspace's socket is on its node: what its agent reports running has answered there.
            HealthCheck health = runtime instanceof NodeRuntime ? socket -> socket != null : probe::isHealthy;
            Reconciler reconciler = new Reconciler(store, runtime, health);
            WorkspaceService workspaces = new WorkspaceService(store, runtime, home.workspacesDir(),
                    config::hostnameOf, config.policy().limits(), Clock.systemUTC(), jobs.othersChangeGrace());
            if (jobs.leads(ClusterJobs.MONITOR)) {
                // Only the leader: another replica's containers are not this one's to stop or adopt.
                reconciler.reconcile(!jobs.othersChangeGrace().isZero());
                workspaces.stopUnservedUsers();
            }
            monitor = new WorkspaceMonitor(store, runtime, workspaces, reconciler, health,
                    config.policy().monitor(), Clock.systemUTC(), jobs);
            TokenService tokens = new TokenService(issuer, config.tokenTtl(), config.policy().bootstrapTtl(), store,
                    Clock.systemUTC());
            Javalin app = ControlPlaneApp.create(config, new ApiAuthenticator(adminKey, verifier, store), tokens,
                    workspaces, store, new SshKeyService(store, new WorkspaceSshFiles(home.sshDir()), Clock.systemUTC()),
                    oidc.map(o -> new ControlPlaneApp.People(o, sqlite.people(), store)).orElse(null), jobs, sqlite);
            oidc.ifPresent(o -> log.info("people sign in through OpenID Connect and are re-checked at the provider"
                    + " every {}: {}", dev.codermon.auth.DurationText.format(o.recheckInterval()), o));
            app.start();
            monitor.start();
            WorkspaceMonitor scheduler = monitor;
            if (runtime instanceof NodeRuntime) {
                scheduler.every(LostNodes.CHECK_EVERY, "lost-node check", ClusterJobs.LOST_NODES,
                        new LostNodes(sqlite.nodeJobs(), sqlite, store, LostNodes.LOST_AFTER, Clock.systemUTC()));
            }
            oidc.ifPresent(o -> scheduler.every(o.recheckInterval(), "re-check of signed-in people at the identity"
                    + " provider", ClusterJobs.PROVIDER_RECHECK,
                    new ProviderRecheck(o, sqlite.people(), tokens, Clock.systemUTC())::run));
            log.info("control plane started: {}", config);
            return new ControlPlane(app, store, adminKey, monitor, runtime, jobs);
        } catch (RuntimeException e) {
            if (monitor != null) {
                monitor.close();
            }
            store.close();
            runtime.close();
            throw e;
        }
    }

    /** Returns the port the API listens on. */
    public int port() {
        return app.port();
    }

    /** Returns the file holding the admin key, or empty if it came from the configuration. */
    public Optional<java.nio.file.Path> adminKeyFile() {
        return adminKey.file();
    }

    /** Names this replica in the log and in GET /api/cluster: its host and process id (and which one in it). */
    private static String replicaName() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            host = "localhost";
        }
        int nth = STARTED.incrementAndGet();
        return host + "/" + ProcessHandle.current().pid() + (nth == 1 ? "" : "#" + nth);
    }

    @Override
    public void close() {
        monitor.close();
        jobs.release();
        app.stop();
        store.close();
        runtime.close();
        log.info("control plane stopped; workspaces keep running");
    }
}
