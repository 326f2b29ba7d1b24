package org.mida.server.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.staticfiles.Location;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.mida.event.EventCodec;
import org.mida.event.EventStream;
import org.mida.server.analysis.AnalysisRoutes;
import org.mida.server.browse.BrowseRoutes;
import org.mida.server.fields.FieldsRoutes;
import org.mida.server.http.ApiException;
import org.mida.server.http.Json;
import org.mida.server.http.ProblemType;
import org.mida.server.http.Problems;
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
    private static final Set<String> WRITE_METHODS = Set.of("POST", "PUT", "PATCH", "DELETE");
    /** POSTs that only read (their body is a query): no token needed. */
    private static final Set<String> READ_POSTS = Set.of("/api/query");

    /** What the routes need from the running server. */
    public record Parts(
            Driver driver,
            UnifiedJedis redis,
            EventCodec codec,
            ServerMetrics metrics,
            BooleanSupplier ready,
            TaskBroadcaster broadcaster) {}

    private App() {}

    public static Javalin create(Config config, Parts parts) {
        ObjectMapper mapper = parts.codec().mapper();
        var json = new Json(mapper);
        var problems = new Problems(mapper);
        // observers' status reports (issue 11): silent after a factor of their interval, never sooner than a floor
        var observers = ObserverRoutes.create(
                parts.driver(), parts.codec(), json, config.observerSilentFactor(), config.observerSilentMinS());
        var health = new Health(parts.driver(), parts.redis(), parts.metrics(), config, json, parts.ready(), observers);
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
        byte[] token = config.apiToken() == null ? null : config.apiToken().getBytes(StandardCharsets.UTF_8);

        return Javalin.create(c -> {
            parts.metrics().instrument(c);
            c.startup.showJavalinBanner = false;
            c.startup.showOldJavalinVersionWarning = false;
            c.http.maxRequestSize = 64L * 1024 * 1024;
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
            c.routes.before("/api/*", ctx -> requireToken(ctx, token));
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
            c.routes.post("/api/v1/lineage", openLineage::post);
            // lineage (issue 4): ?id= (task, entity or workflow), direction, depth, limit
            c.routes.get("/api/lineage", lineage::lineage);
            c.routes.get("/api/lineage/workflows", lineage::workflows);

            // Query DSL (a read: no token) and read-only Cypher (token when MIDA_API_TOKEN is set)
            var query =
                    QueryRoutes.create(parts.driver(), mapper, json, config.cypherTimeoutMs(), config.cypherMaxRows());
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

    /** Writes (and /api/cypher) need the bearer token when one is configured; POST /api/query is a read. */
    static void requireToken(Context ctx, byte[] token) {
        if (token == null) return;
        boolean guarded = (WRITE_METHODS.contains(ctx.method().name()) && !READ_POSTS.contains(ctx.path()))
                || ctx.path().startsWith("/api/cypher");
        if (!guarded) return;
        String h = ctx.header("Authorization");
        byte[] given = h != null && h.startsWith("Bearer ")
                ? h.substring(7).trim().getBytes(StandardCharsets.UTF_8)
                : new byte[0];
        if (!MessageDigest.isEqual(given, token)) {
            ctx.header("WWW-Authenticate", "Bearer realm=\"mida\"");
            throw new ApiException(
                    ProblemType.UNAUTHORIZED,
                    h == null
                            ? "this endpoint needs 'Authorization: Bearer <token>' (MIDA_API_TOKEN is set)"
                            : "the bearer token is not valid");
        }
    }
}
