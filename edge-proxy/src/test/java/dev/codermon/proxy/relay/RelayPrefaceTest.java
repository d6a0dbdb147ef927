package dev.codermon.proxy.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.codermon.auth.route.Route;
import dev.codermon.proxy.upstream.SocketKind;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class RelayPrefaceTest {

    private static final String HOST = "main.alice.codermon.internal";

    @Test
    void a_preface_names_the_workspace_host_and_the_socket_kind() {
        assertEquals(new RelayPreface(HOST, SocketKind.HTTP), RelayPreface.parse("CODERMON-RELAY/1 " + HOST + " http"));
        assertEquals(new RelayPreface(HOST, SocketKind.SSH), RelayPreface.parse("CODERMON-RELAY/1 " + HOST + " ssh"));
    }

    @Test
    void a_preface_line_parses_back_to_itself() {
        RelayPreface preface = new RelayPreface(HOST, SocketKind.SSH);
        String line = preface.line();
        assertEquals("CODERMON-RELAY/1 " + HOST + " ssh\n", line);
        assertEquals(preface, RelayPreface.parse(line.substring(0, line.length() - 1)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "CODERMON-RELAY/2 " + HOST + " http", "CODERMON-RELAY/1 " + HOST,
            "CODERMON-RELAY/1  " + HOST + " http", "CODERMON-RELAY/1 " + HOST + " http ",
            "CODERMON-RELAY/1 " + HOST + " tcp", "CODERMON-RELAY/1 " + HOST + " HTTP",
            "CODERMON-RELAY/1 Main.Alice.codermon.internal http", "CODERMON-RELAY/1 ../etc/passwd http",
            "CODERMON-RELAY/1 host\r http", "CODERMON-RELAY/1 " + HOST + " http\r",
            "GET / HTTP/1.1"})
    void anything_else_is_refused(String line) {
        assertThrows(IllegalArgumentException.class, () -> RelayPreface.parse(line));
    }

    @Test
    void a_host_longer_than_a_dns_name_is_refused() {
        assertThrows(IllegalArgumentException.class,
                () -> RelayPreface.parse("CODERMON-RELAY/1 " + "a".repeat(254) + " http"));
    }

    @Test
    void the_relay_forwards_only_to_workspaces_on_its_own_node() {
        Route onN2 = new Route("ws-1", "alice", HOST, "/sockets/ws-1/code-server.sock", "n2");
        assertEquals(RelayDecision.ALLOW, RelayDecision.decide("n2", HOST, Optional.of(onN2)));
        assertEquals("OK\n", RelayDecision.ALLOW.line());

        RelayDecision elsewhere = RelayDecision.decide("n3", HOST, Optional.of(onN2));
        assertEquals("ERR 403 workspace " + HOST + " is placed on node n2, not n3\n", elsewhere.line());

        RelayDecision unknown = RelayDecision.decide("n2", HOST, Optional.empty());
        assertEquals("ERR 404 no running workspace at " + HOST + "\n", unknown.line());

        Route noNode = new Route("ws-1", "alice", HOST, "/sockets/ws-1/code-server.sock");
        assertEquals(403, RelayDecision.decide("n2", HOST, Optional.of(noNode)).status());
    }
}
