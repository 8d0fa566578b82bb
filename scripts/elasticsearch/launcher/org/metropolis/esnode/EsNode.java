package org.metropolis.esnode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.node.InternalSettingsPreparer;
import org.elasticsearch.node.Node;
import org.elasticsearch.plugins.PluginsLoader;

/**
 * Starts one Elasticsearch node in this JVM from the server jars on the module path.
 *
 * The distribution's own launcher needs the packaged distribution, which is not on Maven
 * Central; this does what it does after its bootstrap checks: prepare the environment, load the
 * modules and plugins found under the node home, build the Node and start it.
 *
 * Arguments: home directory, HTTP port, transport port, then any number of settings as
 * key=value (the distribution's -Ekey=value), which override the defaults below. A single
 * node needs none; scripts/elasticsearch.sh passes node.name, discovery.type=multi-node,
 * discovery.seed_hosts and cluster.initial_master_nodes to the nodes of a cluster.
 */
public final class EsNode {
    private EsNode() {}

    public static void main(String[] args) throws Exception {
        long started = System.nanoTime();
        Path home = Path.of(args[0]).toAbsolutePath();
        String httpPort = args.length > 1 ? args[1] : "9200";
        String transportPort = args.length > 2 ? args[2] : "9300";
        Settings.Builder builder = Settings.builder()
            .put("path.home", home.toString())
            .put("path.data", home.resolve("data").toString())
            .put("path.logs", home.resolve("logs").toString())
            .put("cluster.name", "policy-transfer")
            .put("node.name", "node-1")
            .put("discovery.type", "single-node")
            .put("network.host", "127.0.0.1")
            .put("http.port", httpPort)
            .put("transport.port", transportPort)
            // A development and CI node: never refuse writes because the disk is fairly full.
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            .put("action.destructive_requires_name", false);
        for (int i = 3; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("a setting must be key=value, not " + args[i]);
            }
            builder.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        Settings settings = builder.build();
        String nodeName = settings.get("node.name");
        LogConfigurator.configureESLogging();
        LogConfigurator.configureWithoutConfig(settings);
        Environment environment = InternalSettingsPreparer.prepareEnvironment(
            settings, Map.of(), null, () -> nodeName);
        Files.createDirectories(home.resolve("plugins"));
        PluginsLoader plugins = PluginsLoader.createPluginsLoader(
            PluginsLoader.loadModulesBundles(environment.modulesDir()),
            PluginsLoader.loadPluginsBundles(environment.pluginsDir()),
            Map.of());
        Node node = new Node(environment, plugins);
        node.start();
        System.out.println("node started in " + (System.nanoTime() - started) / 1_000_000 + " ms");
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
            } catch (Exception e) {
                e.printStackTrace();
            }
            stopped.countDown();
        }));
        stopped.await();
    }
}
