package dev.codermon.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;

/**
 * Picks native epoll when this machine supports it, NIO otherwise. Clients reach the proxy over TCP;
 * the proxy reaches workspaces over unix domain sockets only (code-server has no TCP port), on the same
 * transport so that both sides of an exchange share one event loop.
 */
enum Transport {
    EPOLL, NIO;

    static Transport detect() {
        return Epoll.isAvailable() ? EPOLL : NIO;
    }

    EventLoopGroup newGroup(int threads) {
        IoHandlerFactory io = this == EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        return new MultiThreadIoEventLoopGroup(threads, io);
    }

    Class<? extends ServerChannel> serverChannel() {
        return this == EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    /** Returns the factory of channels to workspace upstreams: unix domain sockets. */
    ChannelFactory<? extends Channel> upstreamChannelFactory() {
        return this == EPOLL ? EpollDomainSocketChannel::new : NioDomainSocketChannel::new;
    }

    /** Returns the factory of TCP channels to other nodes' relays. */
    ChannelFactory<? extends Channel> tcpChannelFactory() {
        return this == EPOLL ? EpollSocketChannel::new : NioSocketChannel::new;
    }

    /** Returns the address of the unix socket at this path in the form this transport's channels take. */
    SocketAddress upstreamAddress(String socketPath) {
        return this == EPOLL ? new DomainSocketAddress(socketPath) : UnixDomainSocketAddress.of(socketPath);
    }
}
