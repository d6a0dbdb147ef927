package dev.codermon.proxy.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs in a child JVM (so that its file descriptors do not count against the proxy's process): opens
 * the given number of idle TCP connections to a loopback port, prints {@code open <n>}, holds them
 * until its standard input closes or a line arrives, then closes them and prints {@code closed}.
 */
public final class IdleClients {

    private IdleClients() {
    }

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(args[0]);
        int count = Integer.parseInt(args[1]);
        InetSocketAddress target = new InetSocketAddress("127.0.0.1", port);
        List<SocketChannel> open = new ArrayList<>(count);
        try {
            for (int i = 0; i < count; i++) {
                open.add(SocketChannel.open(target));
            }
            System.out.println("open " + open.size());
        } catch (IOException e) {
            System.out.println("failed after " + open.size() + ": " + e);
        }
        System.out.flush();
        System.in.read();
        for (SocketChannel channel : open) {
            channel.close();
        }
        System.out.println("closed");
    }
}
