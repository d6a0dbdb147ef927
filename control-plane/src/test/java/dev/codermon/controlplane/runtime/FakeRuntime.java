package dev.codermon.controlplane.runtime;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** Pretends to run workspaces, counting what it was asked to do (unit tests only). */
public final class FakeRuntime implements WorkspaceRuntime {

    public final AtomicInteger starts = new AtomicInteger();
    public final List<WorkspaceSpec> started = new CopyOnWriteArrayList<>();
    public final List<String> stopped = new CopyOnWriteArrayList<>();
    public final List<String> removed = new CopyOnWriteArrayList<>();
    private final Set<String> alive = ConcurrentHashMap.newKeySet();
    private final Map<String, List<Integer>> listening = new ConcurrentHashMap<>();
    private volatile List<Instance> instances;
    private volatile String failure;
    private volatile String removeFailure;
    private volatile Duration startDelay = Duration.ofMillis(50);
    private volatile String soleUser;
    private volatile String portsUnavailable;
    private final AtomicInteger portListings = new AtomicInteger();

    /** Makes every following start fail with this reason (null to succeed again). */
    public void failStartsWith(String reason) {
        failure = reason;
    }

    public void startDelay(Duration delay) {
        startDelay = delay;
    }

    /** Simulates the process dying on its own. */
    public void crash(String ref) {
        alive.remove(ref);
    }

    /** Pretends that apps listen on these ports inside what the reference names. */
    public void listen(String ref, List<Integer> ports) {
        listening.put(ref, List.copyOf(ports));
    }

    /** Makes every following listing of ports fail as a node that cannot answer now (null to answer again). */
    public void portsUnavailable(String reason) {
        portsUnavailable = reason;
    }

    /** Makes the runtime list these instances as its own (by default it cannot list any). */
    public void manage(List<Instance> listed) {
        instances = List.copyOf(listed);
    }

    /** Makes the runtime serve this one user only, as local processes do (null: any user). */
    public void serveOnly(String user) {
        soleUser = user;
    }

    @Override
    public Optional<String> soleUser() {
        return Optional.ofNullable(soleUser);
    }

    @Override
    public Optional<List<Instance>> managedInstances() {
        return Optional.ofNullable(instances);
    }

    /** Pretends that something started earlier (by another control plane) is running. */
    public void pretendAlive(String ref) {
        alive.add(ref);
    }

    @Override
    public RuntimeHandle start(WorkspaceSpec spec) throws RuntimeStartException {
        int n = starts.incrementAndGet();
        started.add(spec);
        try {
            Thread.sleep(startDelay.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RuntimeStartException("interrupted", e);
        }
        if (failure != null) {
            throw new RuntimeStartException(failure);
        }
        String ref = "fake-" + n;
        alive.add(ref);
        return new RuntimeHandle(socketOf(ref), ref);
    }

    /** Returns the socket path a fake start hands out for the reference. */
    public static String socketOf(String ref) {
        return "/run/codermon-fake/" + ref + "/code-server.sock";
    }

    @Override
    public void stop(String runtimeRef) {
        alive.remove(runtimeRef);
        stopped.add(runtimeRef);
    }

    /** References starting with {@code other-} stand for another runtime's instances. */
    @Override
    public boolean recognizes(String runtimeRef) {
        return !runtimeRef.startsWith("other-");
    }

    @Override
    public boolean isAlive(String runtimeRef) {
        return alive.contains(runtimeRef);
    }

    /** How many times the ports of an instance were listed. */
    public int portListings() {
        return portListings.get();
    }

    @Override
    public List<Integer> listeningPorts(String runtimeRef) {
        portListings.incrementAndGet();
        if (portsUnavailable != null) {
            throw new RuntimeUnavailableException(portsUnavailable);
        }
        return listening.getOrDefault(runtimeRef, List.of());
    }

    @Override
    public void remove(String workspaceId) {
        if (removeFailure != null) {
            throw new IllegalStateException(removeFailure);
        }
        removed.add(workspaceId);
    }

    /** Makes every following remove fail with this reason (null to succeed again). */
    public void failRemovesWith(String reason) {
        removeFailure = reason;
    }
}
