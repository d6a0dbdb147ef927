package dev.codermon.auth.route;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

/**
 * Says what went wrong with PostgreSQL in words an operator can act on: which server, which user, and
 * whether it is down, unreachable or refused the credentials. Never includes a password (pgjdbc's messages
 * never carry one, and settings print without it).
 */
final class PostgresErrors {

    private PostgresErrors() {
    }

    static String describe(StoreSettings settings, Throwable failure) {
        Throwable e = failure;
        // The pool's "no connection within the timeout" carries the last connection failure as its cause.
        while (e instanceof SQLTransientConnectionException && e.getCause() != null) {
            e = e.getCause();
        }
        if (e instanceof SQLTransientConnectionException) {
            return "no PostgreSQL connection to " + settings.where() + " free in time: " + e.getMessage();
        }
        String state = e instanceof SQLException se && se.getSQLState() != null ? se.getSQLState() : "";
        Throwable network = networkCause(e);
        if (network != null || state.equals("08001") || state.equals("08004")) {
            return "cannot reach PostgreSQL at " + settings.where() + ": " + reason(network, e);
        }
        if (state.equals("28P01")) {
            return "PostgreSQL refused user " + settings.user() + ": password authentication failed";
        }
        if (state.startsWith("28")) {
            return "PostgreSQL refused user " + settings.user() + ": " + e.getMessage();
        }
        if (state.equals("3D000")) {
            return "PostgreSQL at " + settings.where() + " has no such database: " + e.getMessage();
        }
        if (state.startsWith("57P") || state.startsWith("08")) {
            return "lost the connection to PostgreSQL at " + settings.where() + ": " + e.getMessage();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static Throwable networkCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof UnknownHostException
                    || t instanceof NoRouteToHostException || t instanceof SocketTimeoutException) {
                return t;
            }
        }
        return null;
    }

    private static String reason(Throwable network, Throwable e) {
        if (network instanceof ConnectException) {
            return "connection refused";
        }
        if (network instanceof UnknownHostException) {
            return "unknown host";
        }
        if (network instanceof SocketTimeoutException) {
            return "timed out";
        }
        if (network instanceof NoRouteToHostException) {
            return "no route to host";
        }
        return e.getMessage();
    }
}
