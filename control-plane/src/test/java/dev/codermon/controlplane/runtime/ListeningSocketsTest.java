package dev.codermon.controlplane.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ListeningSocketsTest {

    @Test
    void listening_ports_are_read_from_a_proc_net_tcp_table_and_connections_are_not() {
        String table = """
                  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
                   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1001 1
                   1: 0100007F:0BB8 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1002 1
                   2: 0100007F:1F90 0100007F:D431 01 00000000:00000000 00:00000000 00000000  1000        0 1003 1
                  sl  local_address                         remote_address                        st tx_queue
                   0: 00000000000000000000000000000000:2161 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1004 1
                """;
        assertEquals(Set.of(8080, 3000, 8545), ListeningSockets.listeningPorts(table));
    }

    @Test
    void dockers_embedded_dns_listener_in_a_container_is_no_app() {
        // What a container on a user-defined network shows: the daemon's DNS server on 127.0.0.11:37499.
        String table = """
                  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
                   0: 0B00007F:927B 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4981 1
                   1: 0100007F:0BB8 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1002 1
                   2: 0B00007F:0BB9 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1005 1
                """;
        assertEquals(Set.of(3000), ListeningSockets.listeningPorts(table));
    }

    @Test
    void a_socket_this_process_listens_on_is_found_in_its_tree() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertTrue(ListeningSockets.portsHeldBy(ProcessHandle.current()).contains(socket.getLocalPort()));
            assertTrue(ListeningSockets.portsHeldBy(ProcessHandle.current()).containsAll(List.of(socket.getLocalPort())));
        }
    }
}
