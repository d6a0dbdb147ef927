package dev.codermon.auth.route;

import java.nio.file.Path;

/**
 * Is the store on one SQLite file under the name callers used before the store had two backends; new code
 * uses {@link SqlRouteStore#openSqlite} or {@link Stores#open}.
 */
public final class SqliteRouteStore extends SqlRouteStore {

    private SqliteRouteStore(Database db) {
        super(db);
    }

    /** Opens (creating if needed) the store at this path. */
    public static SqliteRouteStore open(Path file) {
        return new SqliteRouteStore(SqliteDatabase.open(file));
    }
}
