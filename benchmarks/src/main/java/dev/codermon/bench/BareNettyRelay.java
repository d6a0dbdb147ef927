package dev.codermon.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.ReferenceCountUtil;

/**
 * A reference for {@code scripts/bench}, not a product: the least a Netty HTTP forward proxy can do on
 * this machine. Netty's HTTP codecs on both sides, native epoll, one event loop per core, one upstream
 * connection per client connection on the client's loop, over a unix domain socket as Codermon's proxy
 * reaches code-server, absolute-form turned into origin-form and {@code Proxy-Authorization} dropped; no
 * authentication, routing, limits, logging or metrics. The difference between it and Codermon's proxy is
 * what Codermon's checks cost per request; the difference between it and haproxy is what the framework
 * and the JVM cost (haproxy's second hop is loopback TCP, a little dearer than a unix socket).
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.codermon.bench.BareNettyRelay <port> <upstream socket path>};
 * binds 127.0.0.1 and connects only to that socket.
 */
public final class BareNettyRelay {

    private BareNettyRelay() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 2) {
            System.err.println("usage: BareNettyRelay <port> <upstream socket path>");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        DomainSocketAddress upstream = new DomainSocketAddress(args[1]);
        EventLoopGroup loops = new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(),
                EpollIoHandler.newFactory());
        Channel server = new ServerBootstrap().group(loops).channel(EpollServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new Front(upstream));
                    }
                }).bind("127.0.0.1", port).sync().channel();
        System.out.println("bare Netty relay on 127.0.0.1:" + port + " -> unix:" + upstream.path());
        server.closeFuture().sync();
    }

    /** Forwards a client connection's requests to its own upstream connection. */
    private static final class Front extends ChannelInboundHandlerAdapter {

        private final DomainSocketAddress upstreamAddress;
        private Channel upstream;
        private boolean unflushed;

        Front(DomainSocketAddress upstreamAddress) {
            this.upstreamAddress = upstreamAddress;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            Channel client = ctx.channel();
            client.config().setAutoRead(false);
            new Bootstrap().group(client.eventLoop()).channel(EpollDomainSocketChannel.class).disableResolver()
                    .handler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new HttpClientCodec(), new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelRead(ChannelHandlerContext up, Object msg) {
                                    client.write(msg);
                                }

                                @Override
                                public void channelReadComplete(ChannelHandlerContext up) {
                                    client.flush();
                                }

                                @Override
                                public void channelInactive(ChannelHandlerContext up) {
                                    client.close();
                                }
                            });
                        }
                    })
                    .connect(upstreamAddress).addListener((ChannelFutureListener) f -> {
                        if (f.isSuccess()) {
                            upstream = f.channel();
                            client.config().setAutoRead(true);
                        } else {
                            client.close();
                        }
                    });
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (upstream == null) {
                ReferenceCountUtil.release(msg);
                return;
            }
            if (msg instanceof HttpRequest request) {
                String uri = request.uri();
                int scheme = uri.indexOf("://");
                if (scheme > 0) {
                    int path = uri.indexOf('/', scheme + 3);
                    request.setUri(path < 0 ? "/" : uri.substring(path));
                }
                request.headers().remove(HttpHeaderNames.PROXY_AUTHORIZATION);
            }
            upstream.write(msg);
            unflushed = true;
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (unflushed) {
                unflushed = false;
                upstream.flush();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (upstream != null) {
                upstream.close();
            }
        }
    }
}
