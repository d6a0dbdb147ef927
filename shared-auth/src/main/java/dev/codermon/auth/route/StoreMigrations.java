package dev.codermon.auth.route;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Objects;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.configuration.FluentConfiguration;

/**
 * Brings a store's schema up to this build's version with Flyway (classpath {@code db/migration/sqlite} and
 * {@code db/migration/postgres}), and refuses a store whose schema is newer than this build: Flyway itself
 * would ignore such "future" migrations and let an older build write to a schema it does not know.
 *
 * <p>A SQLite file made by a build before Flyway (no history table, {@code PRAGMA user_version} 1 to 7) is
 * baselined at version 0, so that migration 1 ({@link SqliteSchemaV1}, idempotent) takes it over with its
 * rows. After migrating, {@code PRAGMA user_version} is set to {@code 6 + version} (migration 1 is the
 * old numbering's 7), so that builds before Flyway, which read only that number, refuse a newer file.
 */
final class StoreMigrations {

    /** Serializes migrations of SQLite files within this JVM (the file lock does it between processes). */
    private static final Object SQLITE_MIGRATIONS = new Object();

    private StoreMigrations() {
    }

    static void migrateSqlite(Path file, DataSource source) throws IOException, SQLException {
        Path lockFile = file.resolveSibling(file.getFileName() + ".migrate-lock");
        synchronized (SQLITE_MIGRATIONS) {
            try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock ignored = channel.lock()) {
                Flyway flyway = configure(source, "sqlite").javaMigrations(new SqliteSchemaV1())
                        .baselineOnMigrate(true).baselineVersion("0")
                        .baselineDescription("a store made before Flyway").load();
                MigrationVersion latest = migrate(flyway, file.toString());
                try (Connection c = source.getConnection(); Statement s = c.createStatement()) {
                    s.executeUpdate("PRAGMA user_version = " + legacyNumber(latest));
                }
            }
        }
    }

    static void migratePostgres(StoreSettings settings, DataSource source) {
        try {
            migrate(configure(source, "postgres").load(), settings.where());
        } catch (RouteStoreException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new RouteStoreException("cannot bring the store at " + settings.where() + " up to date: "
                    + PostgresErrors.describe(settings, rootSql(e)), e);
        }
    }

    /** Returns the {@code PRAGMA user_version} a SQLite file of this schema version carries. */
    static int legacyNumber(MigrationVersion version) {
        return SqliteSchemaV1.LEGACY_VERSION - 1 + version.getMajor().intValueExact();
    }

    private static FluentConfiguration configure(DataSource source, String backend) {
        return Flyway.configure(StoreMigrations.class.getClassLoader()).dataSource(source)
                .locations("classpath:db/migration/" + backend).failOnMissingLocations(true);
    }

    /** Refuses a newer schema, migrates, and returns the version the store is at now. */
    private static MigrationVersion migrate(Flyway flyway, String where) {
        MigrationInfoService info = flyway.info();
        MigrationVersion latest = Arrays.stream(info.all()).filter(i -> i.getState().isResolved())
                .map(MigrationInfo::getVersion).filter(Objects::nonNull).max(MigrationVersion::compareTo)
                .orElseThrow(() -> new IllegalStateException("no migrations on the classpath"));
        MigrationInfo current = info.current();
        if (current != null && current.getVersion() != null && current.getVersion().isNewerThan(latest)) {
            throw new RouteStoreException("store schema version " + current.getVersion() + " is newer than this build ("
                    + latest + "); upgrade Codermon (store: " + where + ")", null);
        }
        flyway.migrate();
        return latest;
    }

    private static Throwable rootSql(Throwable e) {
        Throwable sql = e;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException) {
                sql = t;
            }
        }
        return sql;
    }
}
