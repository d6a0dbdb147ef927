package dev.codermon.controlplane.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Checks which resolv.conf name servers the firewall lets workspaces query. */
class HostResolversTest {

    @Test
    void non_loopback_ipv4_name_servers_are_kept_in_order_once() {
        String conf = """
                # generated
                search example.internal
                nameserver 10.255.255.53
                nameserver 127.0.0.53
                nameserver fd00::53
                  nameserver   169.254.169.253  
                ;nameserver 192.168.9.9
                nameserver 10.255.255.53
                options ndots:1
                """;
        assertEquals(List.of("10.255.255.53", "169.254.169.253"), HostResolvers.parse(conf));
    }

    @Test
    void a_loopback_only_file_gives_none() {
        assertEquals(List.of(), HostResolvers.parse("nameserver 127.0.0.53\noptions edns0\n"));
    }

    @Test
    void only_dotted_quads_are_addresses() {
        assertTrue(HostResolvers.isIpv4("10.255.255.53"));
        assertFalse(HostResolvers.isIpv4("10.255.255.256"));
        assertFalse(HostResolvers.isIpv4("10.0.0.0/8"));
        assertFalse(HostResolvers.isIpv4("1.2.3"));
    }
}
