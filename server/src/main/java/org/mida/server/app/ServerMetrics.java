package org.mida.server.app;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jetty.JettyServerThreadPoolMetrics;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.management.ManagementFactory;
import java.util.function.ToDoubleFunction;
import org.mida.server.ingest.IngestMetrics;

/**
 * The server's Micrometer registry, scraped by {@code GET /metrics} in the Prometheus text format: the
 * ingest meters ({@code mida_ingest_*}), stream gauges read from Redis at scrape time
 * ({@code mida_stream_pending}, {@code mida_dead_letters}, {@code mida_redis_up}), JVM meters, Jetty's
 * thread pool and {@code http_server_requests_seconds} per route. One registry per server instance (tests
 * run several in one JVM), never the global one.
 */
final class ServerMetrics implements AutoCloseable {
    private static final String SAMPLE = "mida.http.sample";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final IngestMetrics ingest = new IngestMetrics(registry);
    private final JvmGcMetrics gc = new JvmGcMetrics();

    ServerMetrics() {
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        // the names /metrics had before Micrometer (dashboards may use them)
        var memory = ManagementFactory.getMemoryMXBean();
        gauge(
                "mida.jvm.heap.used",
                "JVM heap in use",
                "bytes",
                memory,
                m -> m.getHeapMemoryUsage().getUsed());
        gauge(
                "mida.jvm.heap.committed",
                "JVM heap committed",
                "bytes",
                memory,
                m -> m.getHeapMemoryUsage().getCommitted());
    }

    /** For the meters of other features (user reads). */
    io.micrometer.core.instrument.MeterRegistry registry() {
        return registry;
    }

    IngestMetrics ingest() {
        return ingest;
    }

    /** Gauges evaluated at scrape time; a probe that throws reads as NaN. */
    <T> void gauge(String name, String help, String unit, T source, ToDoubleFunction<T> probe) {
        Gauge.builder(name, source, s -> {
                    try {
                        return probe.applyAsDouble(s);
                    } catch (RuntimeException e) {
                        return Double.NaN;
                    }
                })
                .description(help)
                .baseUnit(unit)
                .strongReference(true)
                .register(registry);
    }

    /** Times every request by route template, method and status; binds Jetty's thread pool. */
    void instrument(JavalinConfig c) {
        c.jetty.modifyServer(
                server -> new JettyServerThreadPoolMetrics(server.getThreadPool(), Tags.empty()).bindTo(registry));
        c.routes.before(ctx -> ctx.attribute(SAMPLE, Timer.start(registry)));
        c.routes.after(this::stop);
    }

    private void stop(Context ctx) {
        Timer.Sample sample = ctx.attribute(SAMPLE);
        if (sample == null) return;
        // the route template, never the raw path (ids would make one series per id)
        var matched = ctx.endpoints().matchedHttpEndpoint();
        String uri = matched == null ? "UNMATCHED" : matched.path;
        int status = ctx.statusCode();
        sample.stop(Timer.builder("http.server.requests")
                .description("HTTP requests by route, method and status")
                .tags(
                        "method",
                        ctx.method().name(),
                        "uri",
                        uri,
                        "status",
                        Integer.toString(status),
                        "outcome",
                        status >= 500 ? "SERVER_ERROR" : status >= 400 ? "CLIENT_ERROR" : "SUCCESS")
                .register(registry));
    }

    /** The Prometheus text exposition. */
    String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
