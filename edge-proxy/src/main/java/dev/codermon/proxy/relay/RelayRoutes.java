package dev.codermon.proxy.relay;

import dev.codermon.auth.route.Route;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/** Looks up a workspace's route by hostname in the proxy's own route table, without blocking an event loop. */
@FunctionalInterface
public interface RelayRoutes {

    CompletionStage<Optional<Route>> lookup(String hostname);
}
