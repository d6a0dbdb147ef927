package dev.codermon.controlplane.runtime;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Version;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import com.github.dockerjava.transport.DockerHttpClient;
import java.io.IOException;
import java.time.Duration;

/**
 * Holds the one long-lived Docker client of the control plane (httpclient5 transport, explicit
 * timeouts), opened with a ping so that an absent daemon is known at start rather than at first use.
 */
final class DockerDaemon implements AutoCloseable {

    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Longer than the longest call we make: stopping a container waits up to 10 s for it. */
    static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(45);
    private static final int MAX_CONNECTIONS = 32;

    private final DockerClient client;
    private final String host;
    private final String version;

    private DockerDaemon(DockerClient client, String host, String version) {
        this.client = client;
        this.host = host;
        this.version = version;
    }

    /**
     * Connects to the daemon and pings it.
     *
     * @param dockerHost e.g. {@code unix:///var/run/docker.sock} or {@code tcp://127.0.0.1:2375}
     * @throws IllegalStateException saying why no daemon answers
     */
    public static DockerDaemon connect(String dockerHost) {
        DockerClientConfig config;
        try {
            config = DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(dockerHost).build();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--docker-host / DOCKER_HOST '" + dockerHost + "' is not usable: "
                    + e.getMessage(), e);
        }
        DockerHttpClient http = new ApacheDockerHttpClient.Builder()
                .dockerHost(config.getDockerHost())
                .sslConfig(config.getSSLConfig())
                .maxConnections(MAX_CONNECTIONS)
                .connectionTimeout(CONNECT_TIMEOUT)
                .responseTimeout(RESPONSE_TIMEOUT)
                .build();
        DockerClient client = DockerClientImpl.getInstance(config, http);
        try {
            client.pingCmd().exec();
            Version v = client.versionCmd().exec();
            return new DockerDaemon(client, dockerHost, v.getVersion() + " (API " + v.getApiVersion() + ")");
        } catch (RuntimeException e) {
            closeQuietly(client);
            throw new IllegalStateException("no Docker daemon answers at " + dockerHost + ": " + rootMessage(e), e);
        }
    }

    /** Returns the client; it stays open until {@link #close()}. */
    DockerClient client() {
        return client;
    }

    /** Returns whether the daemon has the image locally (nothing is ever pulled). */
    public boolean hasImage(String image) {
        try {
            client.inspectImageCmd(image).exec();
            return true;
        } catch (NotFoundException e) {
            return false;
        }
    }

    @Override
    public void close() {
        closeQuietly(client);
    }

    @Override
    public String toString() {
        return "Docker " + version + " at " + host;
    }

    private static void closeQuietly(DockerClient client) {
        try {
            client.close();
        } catch (IOException ignored) {
            // nothing left to release
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
