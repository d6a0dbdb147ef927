package dev.codermon.auth.route;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Keeps the shared store in SQL, on either backend ({@link Stores#open}): one SQLite file (WAL mode) that
 * the control plane and the proxy of one machine open at the same time, or a PostgreSQL database shared by
 * several machines. Each process holds it as its role's interface: {@link ProxyStore},
 * {@link ControlPlaneStore}; proxies follow it through {@link RouteFeed}, control planes register nodes
 * through {@link NodeRecords} and share jobs through {@link #leadership()}.
 *
 * <p>Each table has a class of its own; {@link Database} holds the connection (or pool) and the few
 * differences between the backends.
 */
public class SqlRouteStore implements ProxyStore, ControlPlaneStore, RouteFeed, NodeRecords {

    /** How long rows of a proxy that was killed are kept after they stopped counting (for a look by hand). */
    private static final Duration STALE_PRESENCE_KEPT = Duration.ofHours(1);

    private final Database db;
    private final ChangeLog log;
    private final WorkspaceTable workspaces;
    private final TokenTables tokens;
    private final PeopleTables people;
    private final PresenceTable presence;
    private final SshKeyTable sshKeys;
    private final NodeTable nodes;
    private final ChangeFeed feed;
    private final NodeJobTable nodeJobs;
    private Leadership leadership;

    SqlRouteStore(Database db) {
        this.db = db;
        this.log = new ChangeLog(db);
        this.workspaces = new WorkspaceTable(db, log);
        this.tokens = new TokenTables(db, log);
        this.people = new PeopleTables(db, log);
        this.presence = new PresenceTable(db);
        this.sshKeys = new SshKeyTable(db);
        this.nodes = new NodeTable(db);
        this.feed = new ChangeFeed(db, log, workspaces, tokens);
        this.nodeJobs = new NodeJobTable(db, nodes);
    }

    /** Opens (creating if needed) the embedded store in this SQLite file. */
    public static SqlRouteStore openSqlite(Path file) {
        return new SqlRouteStore(SqliteDatabase.open(file));
    }

    /** Returns the queue of node agents' work and their reports, kept in the same store. */
    public NodeJobs nodeJobs() {
        return nodeJobs;
    }

    /** Returns the people, console sessions and personal tokens kept in the same store (control plane only). */
    public PeopleStore people() {
        return people;
    }

    /**
     * Returns this process's leadership of cluster-wide jobs (on PostgreSQL an advisory lock on a connection
     * of its own, opened on first use; on SQLite it always leads). Closed with the store.
     */
    public synchronized Leadership leadership() {
        if (leadership == null) {
            leadership = db instanceof PostgresDatabase pg ? new AdvisoryLeadership(pg) : new SoleLeadership();
        }
        return leadership;
    }

    @Override
    public Optional<Route> findRoute(String hostname) {
        return workspaces.findRoute(hostname);
    }

    @Override
    public void recordActivity(String workspaceId, Instant at) {
        workspaces.recordActivity(workspaceId, at);
    }

    @Override
    public int publishPresence(String proxyId, Map<String, OpenCounts> changed, Instant at) {
        return presence.publishPresence(proxyId, changed, at);
    }

    @Override
    public void withdrawPresence(String proxyId) {
        presence.withdrawPresence(proxyId);
    }

    @Override
    public OpenCounts openCounts(String workspaceId, Instant freshSince) {
        return presence.openCounts(workspaceId, freshSince);
    }

    @Override
    public void insert(WorkspaceRecord record) {
        workspaces.insert(record);
    }

    @Override
    public boolean update(WorkspaceRecord record) {
        return workspaces.update(record);
    }

    @Override
    public boolean updateIf(WorkspaceRecord record, WorkspaceState expected) {
        return workspaces.updateIf(record, expected);
    }

    @Override
    public boolean placeIfRoom(WorkspaceRecord record, int capacity) {
        return workspaces.placeIfRoom(record, capacity);
    }

    @Override
    public boolean delete(String id) {
        return workspaces.delete(id);
    }

    @Override
    public Optional<WorkspaceRecord> find(String id) {
        return workspaces.find(id);
    }

    @Override
    public Optional<WorkspaceRecord> findByUserAndName(String user, String name) {
        return workspaces.findByUserAndName(user, name);
    }

    @Override
    public Optional<WorkspaceRecord> findByRuntimeRef(String runtimeRef) {
        return workspaces.findByRuntimeRef(runtimeRef);
    }

    @Override
    public List<WorkspaceRecord> listByUser(String user) {
        return workspaces.listByUser(user);
    }

    @Override
    public List<WorkspaceRecord> listAll() {
        return workspaces.listAll();
    }

    @Override
    public void insertSshKey(SshKeyRecord key) {
        sshKeys.insertSshKey(key);
    }

    @Override
    public List<SshKeyRecord> sshKeysOf(String user) {
        return sshKeys.sshKeysOf(user);
    }

    @Override
    public java.util.Map<String, List<SshKeyRecord>> sshKeysOf(java.util.Collection<String> users) {
        return sshKeys.sshKeysOf(users);
    }

    @Override
    public boolean deleteSshKey(String user, String id) {
        return sshKeys.deleteSshKey(user, id);
    }

    @Override
    public void putHostKey(String workspaceId, String publicKey) {
        sshKeys.putHostKey(workspaceId, publicKey);
    }

    @Override
    public Optional<String> hostKeyOf(String workspaceId) {
        return sshKeys.hostKeyOf(workspaceId);
    }

    @Override
    public boolean deleteHostKey(String workspaceId) {
        return sshKeys.deleteHostKey(workspaceId);
    }

    @Override
    public boolean consumeToken(String tokenId, Instant expiresAt) {
        return tokens.consumeToken(tokenId, expiresAt);
    }

    @Override
    public void revokeTokens(String user, Instant issuedBefore) {
        tokens.revokeTokens(user, issuedBefore);
    }

    @Override
    public Map<String, Instant> revocations() {
        return tokens.revocations();
    }

    @Override
    public void createSession(ProxySession session) {
        tokens.createSession(session);
    }

    @Override
    public Optional<ProxySession> findSession(String idHash) {
        return tokens.findSession(idHash);
    }

    @Override
    public RouteSnapshot loadAll() {
        return feed.loadAll();
    }

    @Override
    public RouteChanges changesSince(long version) {
        return feed.changesSince(version);
    }

    /** On PostgreSQL a store of its own over one connection outside the pool ({@link RouteFeed#reader}). */
    @Override
    public RouteFeed reader() {
        return db instanceof PostgresDatabase pg ? new SqlRouteStore(pg.ownConnection()) : this;
    }

    @Override
    public ChangeDoorbell openDoorbell() {
        return db instanceof PostgresDatabase pg ? new PostgresDoorbell(pg) : new SqliteDoorbell(log);
    }

    @Override
    public List<NodeRecord> nodes() {
        return nodes.nodes();
    }

    @Override
    public void saveNode(NodeRecord node) {
        nodes.saveNode(node);
    }

    @Override
    public Retirement retireNode(String id) {
        return nodes.retireNode(id);
    }

    @Override
    public void pruneExpired(Instant now) {
        db.inTransaction(() -> {
            tokens.prune(now);
            presence.pruneStale(now.minus(PresenceReader.FRESH_FOR).minus(STALE_PRESENCE_KEPT));
            log.prune(now.minus(ChangeLog.KEPT).toEpochMilli());
            nodeJobs.pruneEnded(now.minus(ChangeLog.KEPT));
        });
    }

    @Override
    public void close() {
        Leadership held;
        synchronized (this) {
            held = leadership;
        }
        if (held != null) {
            held.close();
        }
        db.close();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + db + "]";
    }
}
