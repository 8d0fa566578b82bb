package org.metropolis.esnode.plugin;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.function.Supplier;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.fr.FrenchAnalyzer;
import org.apache.lucene.analysis.es.SpanishAnalyzer;
import org.apache.lucene.analysis.miscellaneous.ASCIIFoldingFilter;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.elasticsearch.Build;
import org.elasticsearch.client.internal.node.NodeClient;
import org.elasticsearch.cluster.metadata.IndexNameExpressionResolver;
import org.elasticsearch.cluster.node.DiscoveryNodes;
import org.elasticsearch.cluster.service.ClusterService;
import org.elasticsearch.common.io.stream.NamedWriteableRegistry;
import org.elasticsearch.common.settings.ClusterSettings;
import org.elasticsearch.common.settings.IndexScopedSettings;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.common.settings.SettingsFilter;
import org.elasticsearch.features.NodeFeature;
import org.elasticsearch.index.analysis.AbstractIndexAnalyzerProvider;
import org.elasticsearch.index.analysis.AnalyzerProvider;
import org.elasticsearch.index.analysis.TokenFilterFactory;
import org.elasticsearch.indices.analysis.AnalysisModule.AnalysisProvider;
import org.elasticsearch.plugins.ActionPlugin;
import org.elasticsearch.plugins.AnalysisPlugin;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.rest.BaseRestHandler;
import org.elasticsearch.rest.RestController;
import org.elasticsearch.rest.RestHandler;
import org.elasticsearch.rest.RestRequest;
import org.elasticsearch.rest.RestResponse;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.xcontent.XContentBuilder;

/**
 * Two pieces of the Elasticsearch distribution that are modules of it but are not published to
 * Maven Central, provided from the same Lucene classes the server jar already ships:
 *
 * - the language analyzers "english", "french" and "spanish" (in the distribution they live in
 *   the analysis-common module and wrap these very Lucene analyzers, with their default stop
 *   words and stemmers), and the "lowercase" and "asciifolding" token filters;
 * - the root endpoint "GET /" with the node's name and version (the rest-root module).
 *
 * Only the default form of each analyzer and filter exists here. analysis-common also reads
 * settings such as "stopwords", "stem_exclusion" or "preserve_original"; an index that set one
 * would be analysed one way on this node and another way in production, so any setting beyond
 * "type" makes index creation (or an "_analyze" request) fail with a message naming it, rather
 * than being ignored. tests/services/test_elasticsearch.py checks both the refusal and the tokens
 * against Lucene's own analyzers.
 */
public class LanguageAnalyzersPlugin extends Plugin implements AnalysisPlugin, ActionPlugin {
    private volatile ClusterService clusterService;

    @Override
    public Collection<?> createComponents(PluginServices services) {
        clusterService = services.clusterService();
        return List.of();
    }

    /**
     * A component's own settings are relative keys ("type", "stopwords", ...); the registry adds
     * index-level ones ("index.version.created", or every index setting when "_analyze" names an
     * analyzer without an index), which are not analysis settings.
     */
    static void refuseUnsupported(String kind, String type, String name, Settings settings) {
        Set<String> unsupported = new TreeSet<>();
        for (String key : settings.keySet()) {
            if (!key.equals("type") && !key.startsWith("index.")) {
                // an array setting may be flattened to "stopwords.0", "stopwords.1", ...
                unsupported.add(key.replaceFirst("\\.\\d+$", ""));
            }
        }
        if (!unsupported.isEmpty()) {
            boolean one = unsupported.size() == 1;
            throw new IllegalArgumentException(
                kind + " [" + name + "] of type [" + type + "]: " + (one ? "setting " : "settings ")
                    + String.join(", ", unsupported.stream().map(k -> "[" + k + "]").toList())
                    + (one ? " is" : " are") + " not supported on this development node, whose "
                    + "LanguageAnalyzersPlugin (scripts/elasticsearch/plugin) stands in for the "
                    + "analysis-common module. Production Elasticsearch would apply "
                    + (one ? "it" : "them") + "; rather than analyse text differently, this node "
                    + "refuses the request. Implement " + (one ? "it" : "them")
                    + " in the plugin or leave " + (one ? "it" : "them") + " out.");
        }
    }

    private static AnalysisProvider<AnalyzerProvider<? extends Analyzer>> analyzer(String type, Supplier<Analyzer> make) {
        return (indexSettings, environment, name, settings) -> {
            refuseUnsupported("analyzer", type, name, settings);
            return new AbstractIndexAnalyzerProvider<Analyzer>(name, settings) {
                private final Analyzer analyzer = make.get();

                @Override
                public Analyzer get() {
                    return analyzer;
                }
            };
        };
    }

    private static AnalysisProvider<TokenFilterFactory> filter(String type, java.util.function.Function<TokenStream, TokenStream> make) {
        return (indexSettings, environment, name, settings) -> {
            refuseUnsupported("token filter", type, name, settings);
            return filterFactory(name, make);
        };
    }

    private static TokenFilterFactory filterFactory(String name, java.util.function.Function<TokenStream, TokenStream> make) {
        return new TokenFilterFactory() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public TokenStream create(TokenStream tokenStream) {
                return make.apply(tokenStream);
            }
        };
    }

    @Override
    public Map<String, AnalysisProvider<AnalyzerProvider<? extends Analyzer>>> getAnalyzers() {
        return Map.of(
            "english", analyzer("english", EnglishAnalyzer::new),
            "french", analyzer("french", FrenchAnalyzer::new),
            "spanish", analyzer("spanish", SpanishAnalyzer::new));
    }

    @Override
    public Map<String, AnalysisProvider<TokenFilterFactory>> getTokenFilters() {
        return Map.of(
            "lowercase", filter("lowercase", LowerCaseFilter::new),
            "asciifolding", filter("asciifolding", ASCIIFoldingFilter::new));
    }

    @Override
    public Collection<RestHandler> getRestHandlers(
        Settings settings,
        NamedWriteableRegistry namedWriteableRegistry,
        RestController restController,
        ClusterSettings clusterSettings,
        IndexScopedSettings indexScopedSettings,
        SettingsFilter settingsFilter,
        IndexNameExpressionResolver indexNameExpressionResolver,
        Supplier<DiscoveryNodes> nodesInCluster,
        Predicate<NodeFeature> clusterSupportsFeature
    ) {
        return List.of(new BaseRestHandler() {
            @Override
            public String getName() {
                return "metropolis_root_action";
            }

            @Override
            public List<Route> routes() {
                return List.of(new Route(RestRequest.Method.GET, "/"), new Route(RestRequest.Method.HEAD, "/"));
            }

            @Override
            protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) {
                return channel -> {
                    Build build = Build.current();
                    XContentBuilder body = channel.newBuilder();
                    body.startObject()
                        .field("name", clusterService.localNode().getName())
                        .field("cluster_name", clusterService.getClusterName().value())
                        .field("cluster_uuid", clusterService.state().metadata().clusterUUID());
                    body.startObject("version")
                        .field("number", build.qualifiedVersion())
                        .field("build_flavor", build.flavor())
                        .field("build_type", build.type().displayName())
                        .field("build_hash", build.hash())
                        .field("build_date", build.date())
                        .field("build_snapshot", build.isSnapshot())
                        .field("lucene_version", org.apache.lucene.util.Version.LATEST.toString())
                        .field("minimum_wire_compatibility_version", build.minWireCompatVersion())
                        .field("minimum_index_compatibility_version", build.minIndexCompatVersion())
                        .endObject();
                    body.field("tagline", "You Know, for Search").endObject();
                    channel.sendResponse(new RestResponse(RestStatus.OK, body));
                };
            }
        });
    }
}
