package dev.codermon.proxy.relay;

import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Creates the cluster CA (if its directory holds none) and issues a node's relay certificate:
 * {@code java -cp edge-proxy.jar dev.codermon.proxy.relay.NodeCertificatesMain --ca-dir DIR --node n2 --out DIR}.
 */
@Command(name = "codermon-node-certificate", mixinStandardHelpOptions = true,
        description = "Creates Codermon's cluster CA if needed and issues a node's relay key and certificate.")
public final class NodeCertificatesMain implements Callable<Integer> {

    @Option(names = "--ca-dir", required = true,
            description = "Directory of the cluster CA (ca.crt, ca.key); created with a new CA if it holds none.")
    private Path caDir;

    @Option(names = "--node", description = "Node id (a DNS label) to issue a certificate for; omit to only create the CA.")
    private String node;

    @Option(names = "--out", description = "Directory for node.crt, node.key (0600) and ca.crt: the node's"
            + " CODERMON_RELAY_TLS_DIR. Required with --node.")
    private Path out;

    public static void main(String[] args) {
        System.exit(new CommandLine(new NodeCertificatesMain()).execute(args));
    }

    @Override
    public Integer call() {
        try {
            if (node != null && out == null) {
                throw new IllegalArgumentException("--out is required with --node");
            }
            ClusterCa ca = ClusterCa.loadOrCreate(caDir, Clock.systemUTC());
            System.out.println("cluster CA: " + caDir.resolve(ClusterCa.CA_CERT));
            if (node != null) {
                ca.issueNode(node, out);
                System.out.println("node " + node + ": " + out.resolve(ClusterCa.NODE_CERT) + ", "
                        + out.resolve(ClusterCa.NODE_KEY));
            }
            return 0;
        } catch (IllegalArgumentException | IllegalStateException | java.io.UncheckedIOException e) {
            System.err.println("codermon-node-certificate: " + e.getMessage());
            return 2;
        }
    }
}
