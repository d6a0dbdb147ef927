package dev.codermon.auth.route;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** Runs the store's contract on SQLite: two instances on one file are the proxy and the control plane. */
class SqliteStoreContractTest extends RouteStoreContract {

    @TempDir
    Path tmp;

    private Path file;
    private int files;

    @Override
    void newDatabase() {
        file = tmp.resolve("routes-" + ++files + ".db");
    }

    @Override
    SqlRouteStore openStore() {
        return Stores.open(StoreSettings.sqlite(file));
    }
}
