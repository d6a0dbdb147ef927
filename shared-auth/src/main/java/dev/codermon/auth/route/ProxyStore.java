package dev.codermon.auth.route;

/**
 * Is all the proxy may do with the shared store: look up routes, record activity, read revocations, keep
 * its sessions and used-token marks, and publish what it holds open per workspace. It never writes a workspace record.
 *
 * <p>Every method may block on I/O: the proxy calls them only from executors of its own, never from an event
 * loop. Failures throw {@link RouteStoreException}, which is never "no such route".
 */
public interface ProxyStore extends RouteLookup, ActivityWriter, RevocationReader, SessionStore,
        PresenceWriter, AutoCloseable {

    @Override
    void close();
}
