package dev.codermon.bench.cluster;

import dev.codermon.auth.route.SqlRouteStore;
import dev.codermon.auth.route.StoreSettings;
import dev.codermon.auth.route.Stores;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Java side of {@code scripts/bench-cluster}, not a product: writes routes through the real store API
 * and watches the cluster's proxies serve them. Prints markdown sections on stdout (and {@code RESULT} lines
 * for the script's summary).
 *
 * <pre>
 * java -cp benchmarks.jar dev.codermon.bench.cluster.ClusterBench COMMAND --proxies n1=ADDR:PORT,... \
 *     --db-url URL --db-user USER --db-password-file FILE --token-file FILE --user alice \
 *     --domain codermon.internal --socket /path/of/upstream.sock --node n1 [options]
 * COMMAND: propagation [--changes 200] [--pause-ms 20]
 *          outage [--seconds 30] --db-stop "CMD" --db-start "CMD" [--netns-prefix cm] [--admin-port 5002]
 *                 (each proxy's metrics are read with curl in the namespace PREFIX-NODE, on its loopback)
 *          route-add NAME | route-delete NAME
 * </pre>
 */
public final class ClusterBench {

    private ClusterBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            throw new IllegalArgumentException("usage: ClusterBench propagation|outage|route-add NAME|route-delete NAME ...");
        }
        String command = args[0];
        List<String> positional = new ArrayList<>();
        Map<String, String> opts = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            if (args[i].startsWith("--")) {
                opts.put(args[i].substring(2), args[++i]);
            } else {
                positional.add(args[i]);
            }
        }
        List<String> names = new ArrayList<>();
        List<InetSocketAddress> proxies = new ArrayList<>();
        List<List<String>> metrics = new ArrayList<>();
        String netnsPrefix = opts.getOrDefault("netns-prefix", "cm");
        for (String p : need(opts, "proxies").split(",")) {
            String[] nameAddr = p.split("=", 2);
            String[] hostPort = nameAddr[1].split(":");
            names.add(nameAddr[0]);
            proxies.add(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])));
            metrics.add(List.of("ip", "netns", "exec", netnsPrefix + "-" + nameAddr[0], "curl", "-s", "--max-time", "1",
                    "http://127.0.0.1:" + opts.getOrDefault("admin-port", "5002") + "/metrics"));
        }
        String password = Files.readString(Path.of(need(opts, "db-password-file"))).trim();
        String user = opts.getOrDefault("user", "alice");
        String token = Files.readString(Path.of(need(opts, "token-file"))).trim();
        String auth = "Basic " + Base64.getEncoder().encodeToString((user + ":" + token).getBytes(StandardCharsets.UTF_8));
        try (SqlRouteStore store = Stores.open(StoreSettings.postgres(need(opts, "db-url"), need(opts, "db-user"),
                password))) {
            BenchRoutes routes = new BenchRoutes(store, user, opts.getOrDefault("domain", "codermon.internal"),
                    need(opts, "socket"), need(opts, "node"));
            switch (command) {
                case "propagation" -> {
                    try (Poller poller = new Poller(proxies, auth)) {
                        new Propagation(routes, poller, names).run(Integer.parseInt(opts.getOrDefault("changes", "200")),
                                Long.parseLong(opts.getOrDefault("pause-ms", "20")), System.out);
                    }
                }
                case "outage" -> new Outage(routes, proxies, names, metrics, auth).run(
                        Arrays.asList(need(opts, "db-stop").split(" ")), Arrays.asList(need(opts, "db-start").split(" ")),
                        Integer.parseInt(opts.getOrDefault("seconds", "30")), System.out);
                case "route-add" -> System.out.println(routes.insert(positional.get(0)));
                case "route-delete" -> System.out.println(routes.delete(positional.get(0)));
                default -> throw new IllegalArgumentException("unknown command: " + command);
            }
        }
    }

    private static String need(Map<String, String> opts, String key) {
        String v = opts.get(key);
        if (v == null) {
            throw new IllegalArgumentException("--" + key + " is required");
        }
        return v;
    }
}
