package dev.codermon.auth.route;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Runs the store's contract on a real PostgreSQL server, a fresh database per test. */
class PostgresStoreContractTest extends RouteStoreContract {

    private static TestPostgres server;
    private String database;

    @BeforeAll
    static void startServer() {
        server = TestPostgres.start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @Override
    void newDatabase() {
        database = server.newDatabase();
    }

    @Override
    SqlRouteStore openStore() {
        return Stores.open(server.settings(database));
    }
}
