package org.mida.server.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.http.staticfiles.Location;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.mida.event.EventCodec;
import org.mida.event.EventStream;
import org.mida.server.analysis.AnalysisRoutes;
import org.mida.server.browse.BrowseRoutes;
import org.mida.server.deadletters.DeadLetterRoutes;
import org.mida.server.deadletters.DeadLetters;
import org.mida.server.fields.FieldsRoutes;
import org.mida.server.http.Json;
import org.mida.server.http.Problems;
import org.mida.server.http.WebSecurity;
import org.mida.server.ingest.EventsEndpoint;
import org.mida.server.lineage.LineageRoutes;
import org.mida.server.observerstatus.ObserverRoutes;
import org.mida.server.openlineage.OpenLineageEndpoint;
import org.mida.server.prov.ProvRoutes;
import org.mida.server.query.QueryRoutes;
import org.mida.server.search.SearchRoutes;
import org.mida.server.stream.StreamRoutes;
import org.mida.server.stream.TaskBroadcaster;
import org.neo4j.driver.Driver;
import org.slf4j.MDC;
import redis.clients.jedis.UnifiedJedis;

/** Builds the unstarted HTTP app with plain constructors: every route of the server is listed here. */
public final class App {
    /** What the routes need from the running server. */
    public record Parts(
            Driver driver,
            UnifiedJedis redis,
            EventCodec codec,
            ServerMetrics metrics,
            BooleanSupplier ready,
            TaskBroadcaster broadcaster,
            java.util.function.Supplier<String> redisSupervisor,
            java.util.function.Supplier<org.mida.server.backend.EmbeddedNeo4j.State> neo4jSupervisor) {
        public Parts(
                Driver driver,
                UnifiedJedis redis,
                EventCodec codec,
                ServerMetrics metrics,
                BooleanSupplier ready,
                TaskBroadcaster broadcaster) {
            this(driver, redis, codec, metrics, ready, broadcaster, () -> null, () -> null);
        }
    }

    private App() {}

    public static Javalin create(Config config, Parts parts) {
        ObjectMapper mapper = parts.codec().mapper();
        var json = new Json(mapper);
        var problems = new Problems(mapper);
        // observers' status reports (issue 11): silent after a factor of their interval, never sooner than a floor
        var observers = ObserverRoutes.create(
                parts.driver(), parts.codec(), json, config.observerSilentFactor(), config.observerSilentMinS());
        var health = new Health(parts.driver(), parts.redis(), parts.metrics(), config, json, parts.ready(), observers);
        health.superviseRedis(parts.redisSupervisor());
        health.superviseNeo4j(parts.neo4jSupervisor());
        var browse = BrowseRoutes.create(parts.driver(), parts.codec(), json);
        var analysis = AnalysisRoutes.create(parts.driver(), parts.codec(), json);
        var stream = new StreamRoutes(parts.broadcaster(), 15_000);
        // lineage: BFS over PROV relationships; the workflow feed graph is cached per ingest batch
        var lineage =
                new LineageRoutes(parts.driver(), () -> parts.metrics().ingest().batches(), json);
        var eventStream = new EventStream(config.stream());
        var events = new EventsEndpoint(parts.redis(), parts.codec(), eventStream, json);
        // OpenLineage ingest (issue 4): POST /api/v1/lineage, the OpenLineage HTTP transport's default path
        var openLineage = new OpenLineageEndpoint(
                parts.driver(),
                parts.redis(),
                parts.codec(),
                eventStream,
                json,
                64L * 1024 * 1024,
                config.openLineageCampaign());
        var prov = ProvRoutes.create(parts.driver(), parts.redis(), parts.codec(), eventStream, json);
        // security headers, Host check, CSRF (Origin and JSON-only writes), token: http/WebSecurity
        var security = new WebSecurity(
                config.host(),
                config.allowedHosts(),
                config.allowedOrigins(),
                config.apiToken(),
                config.apiTokenReads());

        return Javalin.create(c -> {
            parts.metrics().instrument(c);
            c.startup.showJavalinBanner = false;
            c.startup.showOldJavalinVersionWarning = false;
            c.http.maxRequestSize = 64L * 1024 * 1024;
            limitConnections(c, config);
            // Jetty's own refusals (bad URI, Host, header size) as problem+json too (issue 14, bad-input corpus)
            c.jetty.modifyServer(server -> server.setErrorHandler(new org.mida.server.http.JettyErrors(mapper)));
            c.staticFiles.add(s -> {
                s.hostedPath = "/";
                s.directory = "/web";
                s.location = Location.CLASSPATH;
            });
            // web UI libraries (Cytoscape.js) from webjars: /webjars/<name>/<version>/…
            c.staticFiles.enableWebjars();
            c.routes.before(ctx -> {
                String rid = ctx.header("X-Request-Id");
                MDC.put(
                        "req",
                        rid != null && rid.length() <= 64
                                ? rid
                                : UUID.randomUUID().toString().substring(0, 8));
            });
            c.routes.before(security::check);
            c.routes.after(ctx -> MDC.remove("req"));

            c.routes.get("/api/health", health::health);
            c.routes.get("/metrics", health::metrics);
            c.routes.get("/api/campaigns", browse::campaigns);
            c.routes.get("/api/workflows", browse::workflows);
            c.routes.get("/api/workflows/{id}", browse::workflow);
            c.routes.get("/api/workflows/{id}/tasks", browse::workflowTasks);
            c.routes.get("/api/tasks", browse::taskByQuery);
            c.routes.get("/api/tasks/{id}", browse::task);
            c.routes.get("/api/entities", browse::entity);
            c.routes.post("/api/events", events::post);
            // dead letters: list, and move chosen ones back to the stream exactly once (issue 14, item 4)
            var deadLetters = new DeadLetterRoutes(new DeadLetters(parts.redis(), eventStream), mapper, json);
            c.routes.get("/api/dead-letters", deadLetters::list);
            c.routes.post("/api/dead-letters/replay", deadLetters::replay);
            c.routes.post("/api/v1/lineage", openLineage::post);
            // lineage (issue 4): ?id= (task, entity or workflow), direction, depth, limit
            c.routes.get("/api/lineage", lineage::lineage);
            c.routes.get("/api/lineage/workflows", lineage::workflows);

            // Query DSL (a read: no token) and read-only Cypher (token when MIDA_API_TOKEN is set)
            var query = QueryRoutes.create(
                    parts.driver(),
                    mapper,
                    json,
                    config.cypherTimeoutMs(),
                    config.cypherMaxRows(),
                    config.cypherMaxBytes(),
                    config.cypherMaxQueryChars(),
                    parts.metrics().registry());
            c.routes.post("/api/query", query::query);
            c.routes.post("/api/cypher", query::cypher);
            // the fields present on a campaign's or a workflow's tasks, with types and counts (issue 12)
            c.routes.get("/api/fields", new FieldsRoutes(parts.driver(), json, config.cypherTimeoutMs())::fields);
            c.routes.get("/api/search", new SearchRoutes(parts.driver(), json, config.cypherTimeoutMs())::search);
            // W3C PROV-JSON export (ids with '/' as ?id=) and import
            c.routes.get("/api/prov/workflows", prov::workflowByQuery);
            c.routes.get("/api/prov/workflows/{id}", prov::workflow);
            c.routes.get("/api/prov/campaigns", prov::campaignByQuery);
            c.routes.get("/api/prov/campaigns/{id}", prov::campaign);
            c.routes.post("/api/prov", prov::importDocument);
            // analyses of the paper's section IV-D: correlations (Fig. 4) and lifecycle reports
            c.routes.get("/api/analysis/correlation", analysis::correlation);
            c.routes.get("/api/analysis/report", analysis::reportByQuery);
            c.routes.get("/api/analysis/report/{id}", analysis::report);
            // Server-Sent Events of tasks and workflows as the ingest commits them
            c.routes.get("/api/stream", stream::stream);
            // observers' latest status reports; ids hold '/': the path form takes them unencoded, or ?id=
            c.routes.get("/api/observers", observers::observers);
            c.routes.get("/api/observers/<id>", observers::observer);

            problems.register(c);
        });
    }

    /**
     * Jetty's per-connection limits (issue 14, slow-loris): an idle timeout (a connection that sends
     * nothing this long is closed, also mid-request), a floor on the request data rate (1 KiB/s once
     * the idle timeout has passed: a body sent byte by byte cannot hold a worker thread for long),
     * a cap on open connections (more wait in the accept queue) and a worker pool sized so that
     * hundreds of slow clients leave threads for everybody else.
     */
    static void limitConnections(io.javalin.config.JavalinConfig c, Config config) {
        var pool = new org.eclipse.jetty.util.thread.QueuedThreadPool(config.httpMaxThreads(), 8, 60_000);
        pool.setName("mida-http");
        c.jetty.threadPool = pool;
        c.jetty.modifyHttpConfiguration(http -> {
            http.setIdleTimeout(config.httpIdleTimeoutMs());
            http.setRequestHeaderSize(16 * 1024);
        });
        c.jetty.modifyServer(server -> {
            // Javalin adds its connector after this runs: set its idle timeout when the server starts
            server.addEventListener(new org.eclipse.jetty.util.component.LifeCycle.Listener() {
                @Override
                public void lifeCycleStarting(org.eclipse.jetty.util.component.LifeCycle event) {
                    for (var connector : server.getConnectors())
                        if (connector instanceof org.eclipse.jetty.server.AbstractConnector ac)
                            ac.setIdleTimeout(config.httpIdleTimeoutMs());
                }
            });
            server.addBean(new org.eclipse.jetty.server.NetworkConnectionLimit(config.httpMaxConnections(), server));
            // Javalin attaches its servlet handler inside a wrapper handler set here
            var rate = new org.eclipse.jetty.server.handler.MinimumDataRateHandler(1024, 0);
            if (server.getHandler() != null) rate.setHandler(server.getHandler());
            server.setHandler(rate);
        });
    }
}
