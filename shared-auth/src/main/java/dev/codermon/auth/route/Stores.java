package dev.codermon.auth.route;

/** Opens the store the settings name (docs/store.md). */
public final class Stores {

    private Stores() {
    }

    /**
     * Opens the store, bringing its schema up to date.
     *
     * @throws RouteStoreException with a message an operator can act on (server unreachable, credentials
     *                             refused, schema newer than this build), never with the password
     */
    public static SqlRouteStore open(StoreSettings settings) {
        return switch (settings.backend()) {
            case SQLITE -> SqlRouteStore.openSqlite(settings.sqliteFile());
            case POSTGRES -> new SqlRouteStore(PostgresDatabase.open(settings));
        };
    }
}
