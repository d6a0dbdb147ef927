package dev.codermon.controlplane;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.codermon.auth.CodermonHome;
import dev.codermon.auth.route.NodeRecords;
import dev.codermon.controlplane.api.ApiAuthenticator;
import dev.codermon.controlplane.api.ApiRoutes;
import dev.codermon.controlplane.api.ConsoleApi;
import dev.codermon.controlplane.api.TokenService;
import dev.codermon.controlplane.console.ConsoleRoutes;
import dev.codermon.controlplane.console.TrafficLog;
import dev.codermon.controlplane.monitor.ClusterJobs;
import dev.codermon.controlplane.ssh.SshKeyService;
import dev.codermon.controlplane.workspace.WorkspaceService;
import dev.codermon.auth.route.PeopleStore;
import dev.codermon.auth.route.PresenceReader;
import dev.codermon.auth.route.RevocationReader;
import dev.codermon.controlplane.api.ConsoleSessions;
import dev.codermon.controlplane.api.PersonEndpoints;
import dev.codermon.controlplane.login.LoginRoutes;
import dev.codermon.controlplane.login.OidcSettings;
import io.javalin.Javalin;
import java.time.Clock;
import io.javalin.json.JavalinJackson;

/** Builds the control plane's HTTP application from its config and services. */
final class ControlPlaneApp {

    private ControlPlaneApp() {
    }

    /** Returns a configured, not yet started Javalin that listens on the config's bind address and port. */
    public static Javalin create(ControlPlaneConfig config, ApiAuthenticator auth, TokenService tokens,
            WorkspaceService workspaces, PresenceReader presence, SshKeyService ssh) {
        return create(config, auth, tokens, workspaces, presence, ssh, null, ClusterJobs.alone("local"), NodeRecords.none());
    }

    /**
     * Returns the application; with {@code people} (OpenID Connect configured) it also serves the sign-in and
     * the people's sessions and personal tokens.
     */
    public static Javalin create(ControlPlaneConfig config, ApiAuthenticator auth, TokenService tokens,
            WorkspaceService workspaces, PresenceReader presence, SshKeyService ssh, People people) {
        return create(config, auth, tokens, workspaces, presence, ssh, people, ClusterJobs.alone("local"),
                NodeRecords.none());
    }

    /**
     * Returns the application of one of several control planes; {@code jobs} says which jobs it leads,
     * {@code nodes} are the cluster's nodes (none on one machine).
     */
    public static Javalin create(ControlPlaneConfig config, ApiAuthenticator auth, TokenService tokens,
            WorkspaceService workspaces, PresenceReader presence, SshKeyService ssh, People people, ClusterJobs jobs,
            NodeRecords nodes) {
        ObjectMapper mapper = objectMapper();
        CodermonHome home = new CodermonHome(config.home());
        return Javalin.create(c -> {
            c.startup.showJavalinBanner = false;
            c.startup.showOldJavalinVersionWarning = false;
            c.jsonMapper(new JavalinJackson(mapper, false));
            c.jetty.host = config.bind();
            c.jetty.port = config.port();
            ApiRoutes.register(c.routes, mapper, config.proxyUrl(), config.policy().allowedHosts(), auth, tokens,
                    workspaces, ssh, config.domain().name(), jobs, nodes);
            PersonEndpoints person = null;
            if (people != null) {
                ConsoleSessions sessions = new ConsoleSessions(people.store(), people.revocations(),
                        people.settings().sessionTtl(), people.settings().secureConsole(), Clock.systemUTC());
                auth.acceptConsoleSessions(sessions);
                person = new PersonEndpoints(sessions, people.store(), tokens, mapper);
                LoginRoutes.register(c.routes, people.settings(), people.store(), sessions, tokens,
                        name -> !workspaces.list(name).isEmpty(), Clock.systemUTC());
            } else {
                LoginRoutes.registerUnconfigured(c.routes);
            }
            ConsoleApi.register(c.routes, auth, config.proxyUrl(), config.domain().name(),
                    new TrafficLog(home.accessLogFile()), workspaces, presence, config.policy().monitor().idleTimeout(),
                    person);
            ConsoleRoutes.register(c.routes, config.proxyUrl(), config.domain().name(), home.caCertFile());
        });
    }

    /** Carries what OpenID Connect sign-in needs: its settings and the store of people. */
    public record People(OidcSettings settings, PeopleStore store, RevocationReader revocations) {
    }

    /** Returns the JSON mapper the API uses: ISO-8601 instants, unknown request fields refused. */
    static ObjectMapper objectMapper() {
        return new ObjectMapper()
                .registerModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    }
}
