package dev.codermon.controlplane;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.codermon.auth.CodermonHome;
import dev.codermon.controlplane.api.ApiAuthenticator;
import dev.codermon.controlplane.api.ApiRoutes;
import dev.codermon.controlplane.api.ConsoleApi;
import dev.codermon.controlplane.api.TokenService;
import dev.codermon.controlplane.console.ConsoleRoutes;
import dev.codermon.controlplane.console.TrafficLog;
import dev.codermon.controlplane.ssh.SshKeyService;
import dev.codermon.controlplane.workspace.WorkspaceService;
import io.javalin.Javalin;
import io.javalin.json.JavalinJackson;

/** Builds the control plane's HTTP application from its config and services. */
final class ControlPlaneApp {

    private ControlPlaneApp() {
    }

    /** Returns a configured, not yet started Javalin that listens on the config's bind address and port. */
    public static Javalin create(ControlPlaneConfig config, ApiAuthenticator auth, TokenService tokens,
            WorkspaceService workspaces, SshKeyService ssh) {
        ObjectMapper mapper = objectMapper();
        CodermonHome home = new CodermonHome(config.home());
        return Javalin.create(c -> {
            c.startup.showJavalinBanner = false;
            c.startup.showOldJavalinVersionWarning = false;
            c.jsonMapper(new JavalinJackson(mapper, false));
            c.jetty.host = config.bind();
            c.jetty.port = config.port();
            ApiRoutes.register(c.routes, mapper, config.proxyUrl(), config.policy().allowedHosts(), auth, tokens,
                    workspaces, ssh, config.domain().name());
            ConsoleApi.register(c.routes, auth, config.proxyUrl(), config.domain().name(),
                    new TrafficLog(home.accessLogFile()));
            ConsoleRoutes.register(c.routes, config.proxyUrl(), config.domain().name(), home.caCertFile());
        });
    }

    /** Returns the JSON mapper the API uses: ISO-8601 instants, unknown request fields refused. */
    static ObjectMapper objectMapper() {
        return new ObjectMapper()
                .registerModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    }
}
