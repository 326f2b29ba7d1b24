package org.mida.server.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mida.server.testing.TestServer.seconds;
import static org.mida.server.web.WebUiIT.ref;
import static org.mida.server.web.WebUiIT.task;
import static org.mida.server.web.WebUiIT.workflow;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mida.server.testing.Backends;
import org.mida.server.testing.TestServer;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lineage, lifecycle report and timeline views in a real headless Chromium on a Fig. 3-shaped campaign
 * of 600 training runs (20 acquired scans, 600 runs of which some fail with CUDA out-of-memory, 20
 * evaluations). {@code -Dmida.screenshots=docs/img} saves screenshots. Without Chromium the tests are skipped
 * locally and fail under {@code CI=true}, as in {@link WebUiIT}.
 */
@ExtendWith(Backends.class)
class LineageUiIT {
    private static final Logger LOG = LoggerFactory.getLogger(LineageUiIT.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    static final double T0 = WebUiIT.T0;
    static final int RUNS = 600;
    static final String ACQUIRE = "wf://fig3/microscope";
    static final String TRAIN = "wf://fig3/train";
    static final String EVAL = "wf://fig3/eval";
    static final String DATASET = "file:///fig3/train-manifest.json";

    private static HeadlessChrome chrome;
    private static ChromeDriver driver;
    private TestServer server;
    private final List<String> expectedConsoleErrors = new ArrayList<>();

    @BeforeAll
    static void browser() {
        chrome = HeadlessChrome.start();
        driver = chrome.driver();
    }

    @AfterAll
    static void quit() {
        if (chrome != null) chrome.close();
    }

    @AfterEach
    void stop() {
        try {
            if (driver != null) {
                driver.get("about:blank");
                assertNoConsoleErrors();
            }
        } finally {
            if (server != null) server.close();
        }
    }

    // ------------------------------------------------------------------ tests

    @Test
    void a_600_run_lineage_is_a_readable_grouped_graph_a_click_opens_a_group_and_back_closes_it() {
        server = TestServer.start();
        seedFig3();
        open("#/lineage?" + query("id", DATASET, "direction", "both", "depth", "3", "limit", "5000"));
        long t0 = System.nanoTime();
        waitForGraph(Duration.ofSeconds(90));
        long shown = (System.nanoTime() - t0) / 1_000_000;
        int grouped = nodeCount();
        assertThat(grouped)
                .as("600 runs, 600 models, 20 scans, … as a handful of group nodes")
                .isLessThan(15);
        String group =
                (String) js("return window.midaGraph.cy.nodes('[kind = \"group\"][count = " + RUNS + "]').id();");
        assertThat(group).as("the 600 training runs are one group").isNotNull();
        assertThat(text("#group-count")).contains("group");
        settleGraph();
        chrome.screenshot("lineage-grouped");

        // a click on the group shows its count, status mix and best/worst loss; the button opens it
        clickNode(group);
        wait(d -> text("#selected-id").contains("train ×" + RUNS));
        assertThat(text("#group-status")).contains("ERROR").contains("FINISHED");
        wait(d -> !d.findElements(By.id("group-best-worst")).isEmpty()
                && text("#group-best-worst").contains("best"));
        assertThat(text("#group-best-worst")).contains("best 0.1").contains("lower is better");
        click(By.id("btn-open-group"));
        wait(d -> nodeCount() > RUNS && d.getCurrentUrl().contains("open="));
        waitForGraph(Duration.ofSeconds(90));
        int open = nodeCount();
        // the runs read "lr=… batch_size=…", not 600 times "train"
        wait(d -> "true".equals(d.findElement(By.id("graph")).getDomAttribute("data-labels")));
        String label = (String) js("return window.midaGraph.cy.getElementById('run-7').data('label');");
        assertThat(label).contains("lr=").contains("batch_size=");
        settleGraph();
        chrome.screenshot("lineage-group-open");

        // Back closes the group again
        driver.navigate().back();
        wait(d -> !d.getCurrentUrl().contains("open="));
        waitForGraph(Duration.ofSeconds(90));
        assertThat(nodeCount()).isEqualTo(grouped);
        driver.navigate().forward();
        waitForGraph(Duration.ofSeconds(90));
        assertThat(nodeCount()).isEqualTo(open);
        LOG.info("600-run lineage: {} nodes grouped ({} open), shown {} ms after navigation", grouped, open, shown);
    }

    @Test
    void the_side_panel_shows_parameters_results_stderr_and_an_entity_s_versions_and_a_path_lights_up() {
        server = TestServer.start();
        seedFig3();
        // a failed run: its parameters, the CUDA error at the end of its stderr, a link to its page
        open("#/lineage?" + query("id", "run-0", "direction", "both", "depth", "1"));
        waitForGraph(Duration.ofSeconds(60));
        int before = nodeCount();
        assertThat(before).isEqualTo(3); // the run, the manifest, the scan (an OOM run wrote no model)
        clickNode("run-0");
        wait(d -> text("#selected-id").equals("run-0"));
        wait(d -> !d.findElements(By.id("node-used")).isEmpty());
        assertThat(text("#node-used")).contains("lr").contains("batch_size").contains("arch");
        assertThat(text("#node-stderr")).contains("CUDA out of memory");
        assertThat(driver.findElements(By.cssSelector("#node-panel a[href='#/tasks?id=run-0']")))
                .isNotEmpty();
        click(By.id("btn-path-start"));

        // a scan: its metadata and its one version, made by the acquisition
        String scan = "file:///fig3/scan-0.tif";
        clickNode(scan);
        wait(d -> text("#selected-id").equals(scan));
        wait(d -> !d.findElements(By.id("node-attributes")).isEmpty());
        assertThat(text("#node-attributes")).contains("magnification");
        assertThat(text("#node-versions")).contains("acquire-0");

        // the path from the run to the manifest, through nothing else: one step; to the scan's other end
        click(By.id("btn-path"));
        wait(d -> !d.findElements(By.id("path-note")).isEmpty());
        assertThat(text("#path-note")).contains("Path of 1 step");
        clickNode(DATASET);
        wait(d -> text("#selected-id").equals(DATASET));
        click(By.id("btn-path"));
        wait(d -> text("#path-note").contains("Path of 1 step"));
        click(By.id("btn-path-start"));
        clickNode(scan);
        wait(d -> text("#selected-id").equals(scan));
        click(By.id("btn-path"));
        wait(d -> text("#path-note").contains("Path of 2 steps"));
        assertThat(((Number) js("return window.midaGraph.cy.nodes('.path').length;")).intValue())
                .isEqualTo(3);
        js("window.midaGraph.cy.fit(undefined, 120);");
        settleGraph();
        chrome.screenshot("lineage-path");

        // an expand (the scan's other readers and its acquisition) is undone by Back
        click(By.id("btn-expand"));
        wait(d -> d.getCurrentUrl().contains("expand="));
        waitForGraph(Duration.ofSeconds(60));
        wait(d -> nodeCount() > before);
        assertThat(hasNode("acquire-0")).isTrue();
        driver.navigate().back();
        wait(d -> !d.getCurrentUrl().contains("expand="));
        waitForGraph(Duration.ofSeconds(60));
        assertThat(nodeCount()).isEqualTo(before);

        // the node limit is a control
        var limit = driver.findElement(By.id("lineage-limit"));
        new org.openqa.selenium.support.ui.Select(limit).selectByValue("100");
        wait(d -> "100".equals(param("limit")));
        waitForGraph(Duration.ofSeconds(60));
    }

    @Test
    void the_bare_lineage_page_and_a_failed_load_throw_no_error() {
        server = TestServer.start();
        open("#/lineage");
        wait(d -> "true".equals(d.findElement(By.id("graph")).getDomAttribute("data-ready")));
        for (String b : List.of("btn-fit", "btn-zoom-in", "btn-zoom-out", "btn-png"))
            driver.findElement(By.id(b)).click();
        driver.findElement(By.id("lineage-find")).sendKeys("x");
        assertNoConsoleErrors();

        expectConsoleError("404");
        open("#/lineage?" + query("id", "nothing://here"));
        wait(d -> !d.findElements(By.cssSelector("#graph-error .error")).isEmpty());
        for (String b : List.of("btn-fit", "btn-zoom-in", "btn-png"))
            driver.findElement(By.id(b)).click();
        driver.findElement(By.id("lineage-find")).sendKeys("x");
        assertNoConsoleErrors();
    }

    @Test
    void the_report_links_every_id_lists_raw_inputs_and_downstream_and_collapses_steps() {
        server = TestServer.start();
        seedFig3();
        open("#/report?" + query("id", "model://fig3/3"));
        wait(d -> "true".equals(d.findElement(By.id("report")).getDomAttribute("data-ready")));
        // the training run with its hyperparameters first
        assertThat(text("#report-producing")).contains("run-3").contains("lr").contains("batch_size");
        // the raw scan it was trained on, with its metadata, and the manifest
        assertThat(text("#report-raw"))
                .contains("Raw inputs (2)")
                .contains("scan-3.tif")
                .contains("magnification");
        // what used the model: its evaluation and the metric
        assertThat(text("#report-downstream")).contains("eval-3").contains("iou");
        // every id is a link
        assertThat(driver.findElements(By.cssSelector("#report a.task-link")).size())
                .isGreaterThanOrEqualTo(3);
        assertThat(driver.findElements(By.cssSelector("#report a.entity-link")).size())
                .isGreaterThanOrEqualTo(3);
        // steps: one line each, details on demand
        var steps = driver.findElements(By.cssSelector("#report-steps details.step"));
        assertThat(steps).hasSize(2);
        assertThat(steps.get(1).getDomAttribute("open")).isNull();
        steps.get(1).findElement(By.tagName("summary")).click();
        wait(d -> d.findElements(By.cssSelector("#report-steps details.step"))
                        .get(1)
                        .getDomAttribute("open")
                != null);
        settleAt("#report");
        chrome.screenshot("report-lifecycle");
        // the entity link goes to the scan's report
        driver.findElement(By.cssSelector("#report-raw a.entity-link")).click();
        wait(d -> param("id") != null && param("id").startsWith("file:///fig3/"));
    }

    @Test
    void the_timeline_draws_the_workflow_s_tasks_by_host_with_telemetry_and_links_to_the_lineage() {
        server = TestServer.start();
        seedFig3();
        open("#/timeline?" + query("workflow_id", TRAIN));
        wait(d -> "true".equals(d.findElement(By.id("timeline")).getDomAttribute("data-ready")));
        assertThat(driver.findElements(By.cssSelector("#gantt rect.bar"))).hasSize(RUNS);
        assertThat(text("#timeline-summary")).contains(RUNS + " tasks on 4 lanes");
        var series = driver.findElements(By.cssSelector(".telemetry"));
        assertThat(series.size()).isGreaterThanOrEqualTo(3);
        assertThat(series.get(0).getDomAttribute("data-series")).startsWith("cpu.");
        assertThat(driver.findElements(By.cssSelector(".telemetry path.series")))
                .isNotEmpty();
        chrome.screenshot("timeline");
        js("document.querySelector('#gantt rect.bar[data-task-id=\"run-5\"]')"
                + ".dispatchEvent(new MouseEvent('click', {bubbles: true}));");
        wait(d -> !d.findElements(By.id("timeline-lineage-link")).isEmpty());
        driver.findElement(By.id("timeline-lineage-link")).click();
        wait(d -> "run-5".equals(param("id")) && d.getCurrentUrl().contains("#/lineage"));
        waitForGraph(Duration.ofSeconds(60));
        // by activity: one lane
        open("#/timeline?" + query("workflow_id", TRAIN, "by", "activity"));
        wait(d -> "true".equals(d.findElement(By.id("timeline")).getDomAttribute("data-ready")));
        assertThat(text("#timeline-summary")).contains("on 1 lane");
    }

    // ------------------------------------------------------------------ seed data

    /**
     * Fig. 3 at 600 runs: 20 microscope acquisitions (one scan each, with their settings), 600 training
     * runs (each reads the manifest and one scan; lr × batch size × architecture; every 14th fails with
     * CUDA out-of-memory), 20 evaluations of models 0–19; telemetry at start and end on 4 GPU hosts.
     */
    private void seedFig3() {
        var events = new ArrayList<Map<String, Object>>();
        events.add(workflow(ACQUIRE, "microscope", T0));
        events.add(workflow(TRAIN, "training", T0 + 1000));
        events.add(workflow(EVAL, "evaluation", T0 + 9000));
        for (int i = 0; i < 20; i++)
            events.add(task(
                    "acquire-" + i,
                    ACQUIRE,
                    "acquire",
                    "FINISHED",
                    T0 + 10 * i,
                    T0 + 10 * i + 8,
                    Map.of("voltage_kv", 200 + i, "dwell_us", 2.5),
                    Map.of("scan", ref("file:///fig3/scan-" + i + ".tif", "scan", "magnification", 1000 + 10 * i))));
        double[] lrs = {0.1, 0.03, 0.01, 0.003, 0.001};
        int[] batches = {16, 32, 64, 128};
        String[] archs = {"unet", "resnet34", "vit-s"};
        for (int i = 0; i < RUNS; i++) {
            var used = new LinkedHashMap<String, Object>();
            used.put("manifest", ref(DATASET, "dataset", "scans", 20));
            used.put("scan", ref("file:///fig3/scan-" + (i % 20) + ".tif", "scan"));
            used.put("lr", lrs[i % 5]);
            used.put("batch_size", batches[(i / 5) % 4]);
            used.put("arch", archs[(i / 20) % 3]);
            boolean oom = i % 14 == 0;
            var generated = new LinkedHashMap<String, Object>();
            if (!oom) {
                generated.put("model", ref("model://fig3/" + i, "model"));
                generated.put("loss", 0.1 + (i % 37) / 100.0);
            }
            double start = T0 + 1000 + 12 * (i / 4);
            var t = task(
                    "run-" + i,
                    TRAIN,
                    "train",
                    oom ? "ERROR" : "FINISHED",
                    start,
                    start + 10 + (i % 7),
                    used,
                    generated);
            t.put("hostname", "gpu-" + (i % 4));
            t.put(
                    "telemetry_at_start",
                    Map.of(
                            "cpu",
                            Map.of("percent_all", 10.0 + i % 9),
                            "memory",
                            Map.of("virtual", Map.of("percent", 30.0 + i % 5)),
                            "gpu",
                            Map.of("util", 5.0)));
            t.put(
                    "telemetry_at_end",
                    Map.of(
                            "cpu",
                            Map.of("percent_all", 60.0 + i % 30),
                            "memory",
                            Map.of("virtual", Map.of("percent", 50.0 + i % 40)),
                            "gpu",
                            Map.of("util", oom ? 100.0 : 70.0 + i % 20)));
            if (oom)
                t.put(
                        "stderr",
                        "Traceback (most recent call last):\n  File \"train.py\", line 88, in step\n"
                                + "torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB");
            events.add(t);
        }
        for (int i = 0; i < 20; i++) {
            int m = i % 14 == 0 ? i + 1 : i; // a model that exists
            events.add(task(
                    "eval-" + i,
                    EVAL,
                    "evaluate",
                    "FINISHED",
                    T0 + 9000 + 10 * i,
                    T0 + 9000 + 10 * i + 5,
                    Map.of("model", ref("model://fig3/" + m, "model")),
                    Map.of("iou", 0.7 + i / 100.0, "report", ref("file:///fig3/eval-" + m + ".json", "report"))));
        }
        for (int from = 0; from < events.size(); from += 200)
            post(events.subList(from, Math.min(events.size(), from + 200)));
        server.awaitIngested(seconds(120));
    }

    private void post(List<Map<String, Object>> events) {
        try {
            var answer = server.post("/api/events", MAPPER.writeValueAsString(events));
            assertThat(answer.status()).as(answer.body()).isEqualTo(202);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------ browser helpers

    private void open(String hash) {
        driver.get("http://127.0.0.1:" + server.server().port() + "/" + hash);
    }

    private static void wait(java.util.function.Function<WebDriver, Boolean> condition) {
        new WebDriverWait(driver, Duration.ofSeconds(30))
                .ignoring(org.openqa.selenium.NoSuchElementException.class)
                .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                .until(condition::apply);
    }

    private static void click(By by) {
        wait(d -> {
            d.findElement(by).click();
            return true;
        });
    }

    private static String text(String css) {
        return driver.findElement(By.cssSelector(css)).getText().trim();
    }

    private static Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    private static void waitForGraph(Duration timeout) {
        new WebDriverWait(driver, timeout)
                .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                .until(d -> "true".equals(d.findElement(By.id("graph")).getDomAttribute("data-ready"))
                        && (Boolean) js("return !!window.midaGraph;"));
    }

    private static void settleGraph() {
        settleAt("h1");
        wait(d -> (Boolean) js("return !window.midaGraph.cy.animated() && !window.midaGraph.cy.nodes().animated();"));
    }

    private static void settleAt(String css) {
        new Actions(driver)
                .moveToElement(driver.findElement(By.cssSelector(css)), 0, 0)
                .perform();
    }

    private static boolean hasNode(String id) {
        return (Boolean) js("return window.midaGraph.cy.getElementById(arguments[0]).nonempty();", id);
    }

    private static int nodeCount() {
        return ((Number) js("return window.midaGraph ? window.midaGraph.cy.nodes().length : -1;")).intValue();
    }

    /** A real mouse click where the node is drawn (centred first so it is inside the canvas). */
    private static void clickNode(String id) {
        js("const g = window.midaGraph; const n = g.cy.getElementById(arguments[0]); g.cy.stop(); g.cy.center(n);", id);
        @SuppressWarnings("unchecked")
        List<Number> p = (List<Number>) js(
                "const n = window.midaGraph.cy.getElementById(arguments[0]); const p = n.renderedPosition();"
                        + " const r = document.getElementById('graph').getBoundingClientRect();"
                        + " return [p.x, p.y, r.width, r.height];",
                id);
        WebElement graph = driver.findElement(By.id("graph"));
        int dx = (int) Math.round(p.get(0).doubleValue() - p.get(2).doubleValue() / 2);
        int dy = (int) Math.round(p.get(1).doubleValue() - p.get(3).doubleValue() / 2);
        new Actions(driver).moveToElement(graph, dx, dy).click().perform();
    }

    private static String param(String name) {
        return (String) js(
                "const h = location.hash; const i = h.indexOf('?');"
                        + " return new URLSearchParams(i < 0 ? '' : h.slice(i + 1)).get(arguments[0]);",
                name);
    }

    private void expectConsoleError(String fragment) {
        expectedConsoleErrors.add(fragment);
    }

    private void assertNoConsoleErrors() {
        assertThat(chrome.consoleErrors(expectedConsoleErrors))
                .as("browser console errors")
                .isEmpty();
    }

    private static String query(String... kv) {
        var sb = new StringBuilder();
        for (int i = 0; i < kv.length; i += 2) {
            if (sb.length() > 0) sb.append('&');
            sb.append(enc(kv[i])).append('=').append(enc(kv[i + 1]));
        }
        return sb.toString();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
