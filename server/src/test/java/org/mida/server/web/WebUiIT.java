package org.mida.server.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mida.server.testing.TestServer.seconds;

import com.fasterxml.jackson.databind.JsonNode;
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
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web UI in a real headless Chromium (Debian {@code chromium} + {@code chromium-driver}) against a real
 * server with seeded data. {@code -Dmida.screenshots=<dir>} saves screenshots of the main views there.
 * Without Chromium the tests are skipped locally and fail under {@code CI=true}.
 */
@ExtendWith(Backends.class)
class WebUiIT {
    private static final Logger LOG = LoggerFactory.getLogger(WebUiIT.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    static final double T0 = 1_714_550_400; // 2024-05-01T08:00Z
    static final String CAMPAIGN = "resnet-sweep-2024";
    static final String PREP = "wf://prep/2024-05-01";
    static final String TRAIN = "wf://train/run 7?seed=42";
    static final String EVAL = "wf://eval/run 7";
    static final String RAW = "file:///data/raw/cifar #1?v=%41.tar";
    static final String TRAIN_SET = "file:///data/cifar/train.h5";
    static final String TEST_SET = "file:///data/cifar/test.h5";
    static final String ODD_TASK = "task:train/3#epoch?x=%41 `'\"ü";

    private static HeadlessChrome chrome;
    private static ChromeDriver driver;

    private TestServer server;
    private final List<String> expectedConsoleErrors = new ArrayList<>();

    @BeforeAll
    static void browser() throws IOException {
        chrome = HeadlessChrome.start();
        driver = chrome.driver();
    }

    @AfterAll
    static void quit() {
        if (chrome != null) chrome.close();
    }

    @AfterEach
    void stop() throws InterruptedException {
        var javalin = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.javalin");
        var warnings = new ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent>();
        warnings.start();
        javalin.addAppender(warnings);
        try {
            try {
                if (driver != null) {
                    driver.get("about:blank");
                    assertNoConsoleErrors();
                }
            } finally {
                if (server != null) server.close();
            }
            // the pages' EventSources were just closed: their requests must end cleanly (once, an SSE
            // request completed after Jetty had recycled it and Javalin's error handling looped on it
            // for as long as the JVM lived)
            Thread.sleep(1000);
            assertThat(warnings.list.stream()
                            .filter(e -> e.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.WARN))
                            .map(e -> e.getFormattedMessage())
                            .toList())
                    .as("Javalin warnings after the pages and the server closed")
                    .isEmpty();
        } finally {
            javalin.detachAppender(warnings);
        }
    }

    // ------------------------------------------------------------------ tests

    @Test
    void navigation_from_campaigns_to_a_task_and_back_through_search() {
        server = TestServer.start();
        seedCampaign();
        open("");
        WebElement campaign = waitFor(By.cssSelector("tr[data-campaign-id='" + CAMPAIGN + "'] a"));
        assertThat(js("return [window.innerWidth, window.innerHeight, document.documentElement.scrollWidth]"))
                .as("viewport 1280x800 and no horizontal scrolling")
                .isEqualTo(List.of(1280L, 800L, 1280L));
        assertThat(text("tr[data-campaign-id='" + CAMPAIGN + "']"))
                .contains("3")
                .contains("20");
        chrome.screenshot("campaigns");
        campaign.click();

        waitFor(By.cssSelector("tr[data-workflow-id='" + TRAIN + "']"));
        assertThat(driver.getCurrentUrl()).contains("#/workflows?campaign_id=" + CAMPAIGN);
        assertThat(driver.findElements(By.cssSelector("tr[data-workflow-id]"))).hasSize(3);
        driver.findElement(By.cssSelector("tr[data-workflow-id='" + TRAIN + "'] a"))
                .click();

        waitFor(By.cssSelector("#tasks tr[data-task-id]"));
        assertThat(driver.findElements(By.cssSelector("#tasks tr[data-task-id]")))
                .hasSize(12);
        assertThat(text("#task-total")).isEqualTo("12");
        assertThat(text(".chips")).contains("finished 11").contains("error 1");
        chrome.screenshot("workflow");
        // status chip filters the tasks
        driver.findElement(By.cssSelector(".chip.st-error")).click();
        wait(d -> d.findElements(By.cssSelector("#tasks tr[data-task-id]")).size() == 1);
        driver.findElement(By.cssSelector("#tasks tr[data-task-id] a")).click();

        waitFor(By.id("used"));
        assertThat(text("#task-id")).isEqualTo("task:train/11");
        assertThat(text("#stderr")).contains("CUDA out of memory");
        driver.navigate().back();
        waitFor(By.cssSelector(".chip.st-error.on"));

        // a deep link with an id full of / # ? % ` ' " ü
        open("#/tasks?id=" + enc(ODD_TASK));
        waitFor(By.id("used"));
        assertThat(text("#task-id")).isEqualTo(ODD_TASK);
        assertThat(text("#used")).contains("lr").contains("0.003").contains(TRAIN_SET);
        assertThat(text("#generated")).contains("accuracy").contains("model://resnet50/run7/ckpt-3");
        assertThat(text("#telemetry")).contains("cpu.percent");
        assertThat(text("#stdout")).contains("epoch 10/10");
        assertThat(text("#task-duration")).isEqualTo("7 min 0 s");
        chrome.screenshot("task");
        // entity links lead to the lineage view, encoded
        driver.findElement(By.linkText(TRAIN_SET)).click();
        wait(d -> d.getCurrentUrl().contains("#/lineage?id="));
        assertThat(param("id")).isEqualTo(TRAIN_SET);

        // search by id: a workflow id typed in the header
        var search = driver.findElement(By.id("search-input"));
        search.clear();
        search.sendKeys(EVAL, Keys.ENTER);
        wait(d -> d.getCurrentUrl().contains("#/workflows?id="));
        waitFor(By.cssSelector("#tasks tr[data-task-id]"));
        assertThat(param("id")).isEqualTo(EVAL);
        // paging: 50 per page, the eval workflow has 6 tasks → no next page
        assertThat(driver.findElement(By.xpath("//button[contains(., 'Next')]")).isEnabled())
                .isFalse();
    }

    @Test
    void lineage_shows_upstream_and_a_click_expands_a_node() {
        server = TestServer.start();
        seedCampaign();
        String model = "model://resnet50/run7/ckpt-3";
        open("#/lineage?" + query("id", model, "direction", "upstream", "depth", "2"));
        waitForGraph();
        int before = nodeCount();
        assertThat(before).isGreaterThanOrEqualTo(2);
        assertThat(hasNode(ODD_TASK)).isTrue();
        assertThat(hasNode(RAW)).isFalse();

        clickNode(ODD_TASK);
        waitFor(By.id("node-panel"));
        assertThat(text("#selected-id")).isEqualTo(ODD_TASK);
        clickNode(TRAIN_SET);
        wait(d -> text("#selected-id").equals(TRAIN_SET));
        // the node panel is redrawn when the selection changes: click the button of the panel as it is now
        click(By.id("btn-expand"));
        wait(d -> nodeCount() > before && d.getCurrentUrl().contains("expand="));
        assertThat(hasNode(RAW))
                .as("expanding the training set reaches the raw data upstream")
                .isTrue();
        assertThat(param("expand")).isEqualTo(TRAIN_SET);
        int expanded = nodeCount();

        // the deep link (root + expansions) draws the same graph after a reload
        driver.navigate().refresh();
        waitForGraph();
        assertThat(nodeCount()).isEqualTo(expanded);

        // focus re-roots the view at the selected node, with the same direction and depth
        clickNode(RAW);
        click(By.id("btn-focus"));
        wait(d -> RAW.equals(param("id")));
        waitForGraph();
        assertThat(param("direction")).isEqualTo("upstream");

        // downstream from the raw data reaches the evaluation reports
        // every node on its own (the 5 evaluation reports would otherwise collapse into one group node)
        open("#/lineage?" + query("id", RAW, "direction", "downstream", "depth", "6", "group", "off"));
        waitForGraph();
        assertThat(hasNode("task:split")).isTrue();
        assertThat(hasNode("file:///reports/eval-5.json"))
                .as("crosses prep → train → eval")
                .isTrue();
        clickNode("model://resnet50/run7/ckpt-3");
        wait(d -> text("#selected-id").equals("model://resnet50/run7/ckpt-3"));
        js("window.midaGraph.fit();");
        settleGraph();
        chrome.screenshot("lineage");
        driver.findElement(By.id("btn-zoom-in")).click();
        driver.findElement(By.id("btn-fit")).click();
        // export as PNG is a real image
        String png = (String) js("return window.midaGraph.cy.png({full:true});");
        assertThat(png).startsWith("data:image/png;base64,");

        // workflow overview: prep feeds training feeds evaluation
        open("#/overview?" + query("campaign_id", CAMPAIGN));
        waitForGraph();
        assertThat(nodeCount()).isEqualTo(3);
        settleGraph();
        // prep → train (training set), train → eval (models), prep → eval (test set)
        assertThat(((Number) js("return window.midaGraph.cy.edges().length;")).intValue())
                .isEqualTo(3);
        chrome.screenshot("workflow-graph");
    }

    @Test
    void a_task_posted_while_the_page_is_open_appears_without_reload() {
        server = TestServer.start();
        seedCampaign();
        open("#/workflows?" + query("id", EVAL));
        waitFor(By.cssSelector("#tasks tr[data-task-id]"));
        wait(d -> text(".panel-head .live-state").equals("live"));
        int before =
                driver.findElements(By.cssSelector("#tasks tr[data-task-id]")).size();
        String id = "task:eval/late #1";
        post(List.of(task(id, EVAL, "evaluate", "RUNNING", T0 + 4000, null, Map.of(), Map.of())));
        WebElement row = waitFor(By.cssSelector("#tasks tr[data-task-id='" + id + "']"));
        assertThat(row.getText()).contains("RUNNING");
        assertThat(driver.findElements(By.cssSelector("#tasks tr[data-task-id]")))
                .hasSize(before + 1);
        wait(d -> text("#task-total").equals(String.valueOf(before + 1)));
        // the same task finishing updates its row in place
        post(List.of(task(id, EVAL, "evaluate", "FINISHED", T0 + 4000, T0 + 4030, Map.of(), Map.of())));
        wait(d -> d.findElement(By.cssSelector("#tasks tr[data-task-id='" + id + "']"))
                .getText()
                .contains("FINISHED"));
        assertThat(driver.findElements(By.cssSelector("#tasks tr[data-task-id]")))
                .hasSize(before + 1);

        // the live page shows every task as it arrives
        open("#/live");
        wait(d -> text(".live-state").equals("live"));
        String[] statuses = {"FINISHED", "RUNNING", "FINISHED", "ERROR", "FINISHED", "RUNNING"};
        for (int i = 0; i < statuses.length; i++) {
            double start = T0 + 5000 + 30 * i;
            boolean done = !statuses[i].equals("RUNNING");
            post(List.of(task(
                    "task:live/" + i,
                    i % 2 == 0 ? TRAIN : EVAL,
                    i % 2 == 0 ? "train" : "evaluate",
                    statuses[i],
                    start,
                    done ? start + 12.5 + i : null,
                    Map.of(),
                    Map.of())));
        }
        waitFor(By.cssSelector(".live-table tr[data-task-id='task:live/5']"));
        assertThat(driver.findElements(By.cssSelector(".live-table tr[data-task-id]")))
                .hasSize(statuses.length);
        chrome.screenshot("live");
    }

    @Test
    void query_console_runs_the_dsl_and_cypher_and_shows_problems() {
        server = TestServer.start(c -> c.withApiToken("s3cret"));
        seedCampaign("s3cret");
        open("#/query");
        var editor = waitFor(By.id("query-text"));
        setValue(editor, """
                {"from": "tasks",
                 "projection": ["task_id", "status", "used.lr", "generated.accuracy"],
                 "filter": {"workflow_id": "%s", "generated.accuracy": {"$gte": 0.8}},
                 "sort": [["generated.accuracy", "descending"]],
                 "limit": 5}""".formatted(TRAIN));
        // the DSL is a read: no token needed even when one is set
        driver.findElement(By.id("query-run")).click();
        waitFor(By.id("results"));
        int rows = driver.findElements(By.cssSelector("#results tbody tr")).size();
        assertThat(rows).isBetween(1, 5);
        assertThat(text("#results thead")).containsIgnoringCase("task_id").containsIgnoringCase("generated.accuracy");
        assertThat(driver.getCurrentUrl()).contains("q=");
        chrome.screenshot("query");

        // an invalid query: the problem's detail and pointers are shown
        expectConsoleError("/api/query");
        setValue(editor, "{\"from\": \"tasks\", \"filter\": {\"status\": {\"$almost\": 1}}}");
        driver.findElement(By.id("query-run")).click();
        waitFor(By.cssSelector("#query-result .error"));
        assertThat(text("#query-result .error")).contains("400").contains("$almost");

        // not JSON at all: said so before any request
        setValue(editor, "{oops");
        driver.findElement(By.id("query-run")).click();
        wait(d -> text("#query-result .error").contains("Not valid JSON"));

        // Cypher tab, with parameters: needs the token, which the page asks for
        driver.findElement(By.id("tab-cypher")).click();
        var cypher = waitFor(By.id("query-text"));
        setValue(
                cypher,
                "MATCH (t:Task) WHERE t.workflow_id = $wf RETURN t.task_id AS task_id, t.status AS status"
                        + " ORDER BY task_id");
        setValue(driver.findElement(By.id("query-params")), "{\"wf\": \"" + EVAL + "\"}");
        expectConsoleError("/api/cypher");
        driver.findElement(By.id("query-run")).click();
        waitFor(By.cssSelector("#query-result .error"));
        assertThat(text("#query-result .error")).contains("401").contains("token");
        setToken("s3cret");
        driver.findElement(By.id("query-run")).click();
        waitFor(By.id("results"));
        assertThat(text("#row-count")).isEqualTo("6");
        assertThat(text("#results")).contains("task:eval/0");
        // a write is refused with a clear problem
        setValue(cypher, "CREATE (n:Oops) RETURN n");
        driver.findElement(By.id("query-run")).click();
        waitFor(By.cssSelector("#query-result .error"));
        assertThat(server.count("MATCH (n:Oops) RETURN count(n)")).isZero();
    }

    @Test
    void prov_json_downloads_for_a_workflow_and_a_campaign() {
        server = TestServer.start();
        seedCampaign();
        open("#/workflows?" + query("id", TRAIN));
        WebElement link = waitFor(By.id("prov-download"));
        assertThat(link.getAttribute("download")).isNotNull();
        String href = link.getAttribute("href");
        JsonNode doc = fetchJson(href);
        assertThat(doc.has("activity")).as("PROV-JSON activities in " + doc).isTrue();
        assertThat(doc.get("activity").toString()).contains("train");
        assertThat(doc.has("entity")).isTrue();

        open("");
        WebElement campaignLink = waitFor(By.cssSelector("tr[data-campaign-id='" + CAMPAIGN + "'] a.prov-link"));
        JsonNode campaignDoc = fetchJson(campaignLink.getAttribute("href"));
        assertThat(campaignDoc.get("activity").toString()).contains("evaluate").contains("split");
    }

    @Test
    void analysis_and_report_views_render() {
        server = TestServer.start();
        seedCampaign();
        open("#/analysis?" + query("workflow_id", TRAIN));
        waitFor(By.cssSelector("#heatmap rect.hm-cell"));
        assertThat(driver.findElements(By.cssSelector("#heatmap rect.hm-cell")).size())
                .isGreaterThanOrEqualTo(4);
        assertThat(text("#heatmap")).contains("lr");
        chrome.screenshot("correlation");
        open("#/report?" + query("id", "model://resnet50/run7/ckpt-3"));
        wait(d -> !d.findElements(By.cssSelector("#report .report-view, #report .error"))
                .isEmpty());
        assertThat(driver.findElements(By.cssSelector("#report .report-view"))).isNotEmpty();
        assertThat(text("#report")).contains("model://resnet50/run7/ckpt-3");
        chrome.screenshot("report");
    }

    @Test
    void observers_view_lists_the_reports_and_highlights_the_silent_one() {
        server = TestServer.start(c -> c.withObserverSilence(1, 1));
        double now = System.currentTimeMillis() / 1000.0;
        var mlflow = new LinkedHashMap<String, Object>();
        mlflow.put("type", "observer");
        mlflow.put("observer_id", "node17/agent/mlflow");
        mlflow.put("at", now);
        mlflow.put("name", "mlflow-main");
        mlflow.put("kind", "mlflow");
        mlflow.put("state", "running");
        mlflow.put("hostname", "node17");
        mlflow.put("pid", 4242);
        mlflow.put("interval", 3600);
        mlflow.put("last_poll_at", now);
        mlflow.put("last_error", "database is locked");
        mlflow.put("last_error_at", now - 5);
        mlflow.put("counters", Map.of("emitted", 120, "rejected", 2, "spilled", 0, "dropped", 0));
        // reports every half second, and then no more: silent after max(1 x 0.5, 1) = 1 s
        Map<String, Object> logfile = Map.of(
                "type", "observer",
                "observer_id", "lab/logfile",
                "at", now,
                "kind", "logfile",
                "state", "running",
                "hostname", "lab-pc",
                "interval", 0.5,
                "counters", Map.of("emitted", 7));
        post(List.of(mlflow, logfile));

        open("#/observers");
        WebElement row = waitFor(By.cssSelector("tr[data-observer-id='node17/agent/mlflow']"));
        assertThat(row.getText())
                .contains("node17/agent/mlflow", "mlflow-main", "RUNNING", "node17", "pid 4242")
                .contains("emitted 120", "rejected 2", "database is locked");
        assertThat(row.getAttribute("class")).doesNotContain("silent");
        // the view refreshes itself: the log-file observer turns silent without a reload
        wait(d -> "true"
                .equals(d.findElement(By.cssSelector("tr[data-observer-id='lab/logfile']"))
                        .getDomAttribute("data-silent")));
        WebElement quiet = driver.findElement(By.cssSelector("tr[data-observer-id='lab/logfile']"));
        assertThat(quiet.getAttribute("class")).contains("silent");
        assertThat(quiet.getText()).contains("SILENT", "lab-pc", "emitted 7", "ago");
        assertThat(text("#observer-summary")).isEqualTo("2 reporting · 1 silent");
        chrome.screenshot("observers");
        // the header names it too (the server itself stays healthy)
        driver.navigate().refresh();
        waitFor(By.cssSelector("#nav a[data-route='observers'].alert"));
        assertThat(driver.findElement(By.id("health")).getAttribute("class")).contains("ok");
        assertThat(driver.findElement(By.id("health")).getAttribute("title")).contains("silent observers: lab/logfile");
    }

    @Test
    void a_lineage_graph_of_500_nodes_renders_and_stays_interactive() {
        server = TestServer.start();
        int nodes = seedLarge();
        open("#/lineage?"
                + query(
                        "id",
                        "file:///big/input.csv",
                        "direction",
                        "downstream",
                        "depth",
                        "12",
                        "limit",
                        "2000",
                        "group",
                        "off"));
        long t0 = System.nanoTime();
        waitForGraph(Duration.ofSeconds(60));
        long shown = (System.nanoTime() - t0) / 1_000_000;
        int n = nodeCount();
        assertThat(n).isEqualTo(nodes);
        String inBrowser = driver.findElement(By.id("graph")).getDomAttribute("data-render-ms");
        String fetch = driver.findElement(By.id("graph")).getDomAttribute("data-fetch-ms");

        long t1 = System.nanoTime();
        clickNode("task:big/4-12");
        wait(d -> text("#selected-id").equals("task:big/4-12"));
        long click = (System.nanoTime() - t1) / 1_000_000;

        long t2 = System.nanoTime();
        double z = ((Number) js("return window.midaGraph.cy.zoom();")).doubleValue();
        driver.findElement(By.id("btn-zoom-in")).click();
        wait(d -> ((Number) js("return window.midaGraph.cy.zoom();")).doubleValue() > z * 1.2);
        new Actions(driver)
                .moveToElement(driver.findElement(By.id("graph")))
                .clickAndHold()
                .moveByOffset(120, 40)
                .release()
                .perform();
        driver.findElement(By.id("btn-fit")).click();
        settleGraph();
        long zoom = (System.nanoTime() - t2) / 1_000_000;
        chrome.screenshot("lineage-500");
        LOG.info(
                "500-node lineage: {} nodes shown {} ms after navigation (in the page: {} ms, of which the"
                        + " /api/lineage answer {} ms); click → details {} ms; zoom + pan + fit {} ms",
                n,
                shown,
                inBrowser,
                fetch,
                click,
                zoom);
        assertThat(click).isLessThan(10_000);
    }

    // ------------------------------------------------------------------ seed data

    static Map<String, Object> task(
            String id,
            String wf,
            String activity,
            String status,
            Double started,
            Double ended,
            Map<String, Object> used,
            Map<String, Object> generated) {
        var m = new LinkedHashMap<String, Object>();
        m.put("type", "task");
        m.put("task_id", id);
        m.put("workflow_id", wf);
        m.put("campaign_id", CAMPAIGN);
        m.put("activity_id", activity);
        m.put("status", status);
        if (started != null) m.put("started_at", started);
        if (ended != null) m.put("ended_at", ended);
        m.put("used", used);
        m.put("generated", generated);
        m.put("hostname", "node-0" + (Math.abs(id.hashCode()) % 4));
        m.put("user", "alice");
        return m;
    }

    static Map<String, Object> ref(String id, String type, Object... attrs) {
        var m = new LinkedHashMap<String, Object>();
        m.put("@id", id);
        m.put("@type", type);
        for (int i = 0; i < attrs.length; i += 2) m.put((String) attrs[i], attrs[i + 1]);
        return m;
    }

    static Map<String, Object> workflow(String id, String name, double started) {
        return new LinkedHashMap<>(Map.of(
                "type",
                "workflow",
                "workflow_id",
                id,
                "campaign_id",
                CAMPAIGN,
                "name",
                name,
                "started_at",
                started,
                "user",
                "alice"));
    }

    /** 3 workflows (prep → train → eval) sharing entities, 20 tasks, one with an id full of odd characters. */
    private void seedCampaign(String... token) {
        var events = new ArrayList<Map<String, Object>>();
        events.add(workflow(PREP, "data-prep", T0));
        events.add(workflow(TRAIN, "training", T0 + 600));
        events.add(workflow(EVAL, "evaluation", T0 + 6000));
        events.add(task(
                "task:download",
                PREP,
                "download",
                "FINISHED",
                T0,
                T0 + 95.5,
                Map.of("url", "https://example.org/cifar-10.tar"),
                Map.of("archive", ref(RAW, "dataset", "bytes", 170_498_071))));
        events.add(task(
                "task:split",
                PREP,
                "split",
                "FINISHED",
                T0 + 100,
                T0 + 160,
                Map.of("archive", ref(RAW, "dataset"), "test_fraction", 0.2),
                Map.of(
                        "train",
                        ref(TRAIN_SET, "dataset", "rows", 40_000),
                        "test",
                        ref(TEST_SET, "dataset", "rows", 10_000))));
        for (int i = 0; i < 12; i++) {
            String id = i == 3 ? ODD_TASK : "task:train/" + i;
            double lr = new double[] {0.1, 0.03, 0.01, 0.003, 0.001}[i % 5];
            int batch = new int[] {32, 64, 128}[i % 3];
            int layers = 18 + 16 * (i % 3);
            double acc = 0.62 + 0.3 * (1 - Math.abs(Math.log10(lr) + 2.5) / 1.5) + 0.002 * batch / 32 - 0.001 * i;
            double loss = 1.9 - 1.6 * acc + 0.01 * (i % 4);
            boolean failed = i == 11;
            double start = T0 + 600 + 420 * i;
            var used = new LinkedHashMap<String, Object>();
            used.put("lr", lr);
            used.put("batch_size", batch);
            used.put("layers", layers);
            used.put("epochs", 10);
            used.put("dataset", ref(TRAIN_SET, "dataset"));
            var generated = new LinkedHashMap<String, Object>();
            if (!failed) {
                generated.put("accuracy", Math.round(acc * 10_000) / 10_000.0);
                generated.put("loss", Math.round(loss * 10_000) / 10_000.0);
                generated.put("model", ref("model://resnet50/run7/ckpt-" + i, "model", "format", "torch"));
            }
            var t = task(
                    id, TRAIN, "train", failed ? "ERROR" : "FINISHED", start, start + 300 + 40 * i, used, generated);
            t.put(
                    "telemetry_at_start",
                    Map.of("cpu", Map.of("percent", 3.5 + i), "memory", Map.of("used_mb", 2048 + i)));
            t.put(
                    "telemetry_at_end",
                    Map.of("cpu", Map.of("percent", 88.0 - i), "memory", Map.of("used_mb", 9216 + 64 * i)));
            t.put("stdout", "loading " + TRAIN_SET + "\nepoch 1/10 loss=1.84\n…\nepoch 10/10 loss=" + loss);
            if (failed)
                t.put(
                        "stderr",
                        "Traceback (most recent call last):\n  File \"train.py\", line 88\nRuntimeError: CUDA out of memory");
            t.put("dependencies", List.of("task:split"));
            events.add(t);
        }
        for (int i = 0; i < 6; i++) {
            double start = T0 + 6000 + 60 * i;
            events.add(task(
                    "task:eval/" + i,
                    EVAL,
                    "evaluate",
                    "FINISHED",
                    start,
                    start + 45 + i,
                    Map.of(
                            "model",
                            ref("model://resnet50/run7/ckpt-" + (i * 2 + 1), "model"),
                            "test",
                            ref(TEST_SET, "dataset")),
                    Map.of("top1", 0.7 + 0.03 * i, "report", ref("file:///reports/eval-" + i + ".json", "report"))));
        }
        // a second, unrelated campaign
        var climate = workflow("wf://climate/ensemble-7", "ensemble run", T0 + 86_400);
        climate.put("campaign_id", "climate-ensemble");
        events.add(climate);
        for (int i = 0; i < 8; i++) {
            double start = T0 + 86_400 + 90 * i;
            var t = task(
                    "task:climate/member-" + i,
                    "wf://climate/ensemble-7",
                    "simulate",
                    i == 7 ? "RUNNING" : "FINISHED",
                    start,
                    i == 7 ? null : start + 600 + 35 * i,
                    Map.of("member", i, "resolution_km", 25),
                    i == 7 ? Map.of() : Map.of("mean_temp_c", 14.2 + 0.1 * i));
            t.put("campaign_id", "climate-ensemble");
            events.add(t);
        }
        post(events, token);
    }

    /**
     * 1 input + 5 stages × 25 tasks, each generating 3 entities and using two of the previous stage's:
     * 501 nodes downstream of the input.
     */
    private int seedLarge() {
        var events = new ArrayList<Map<String, Object>>();
        events.add(workflow("wf://big", "big pipeline", T0));
        int stages = 5, width = 25;
        for (int s = 0; s < stages; s++) {
            for (int j = 0; j < width; j++) {
                var used = new LinkedHashMap<String, Object>();
                if (s == 0) used.put("input", ref("file:///big/input.csv", "dataset"));
                else {
                    used.put("a", ref("file:///big/" + (s - 1) + "-" + j + "/0", "dataset"));
                    used.put("b", ref("file:///big/" + (s - 1) + "-" + ((j + 1) % width) + "/1", "dataset"));
                }
                var generated = new LinkedHashMap<String, Object>();
                for (int g = 0; g < 3; g++)
                    generated.put("out" + g, ref("file:///big/" + s + "-" + j + "/" + g, "dataset"));
                double start = T0 + 100 * s + j;
                events.add(task(
                        "task:big/" + s + "-" + j,
                        "wf://big",
                        "stage-" + s,
                        "FINISHED",
                        start,
                        start + 50,
                        used,
                        generated));
            }
        }
        post(events);
        return 1 + stages * width * 4;
    }

    private void post(List<Map<String, Object>> events, String... token) {
        try {
            String body = MAPPER.writeValueAsString(events);
            var answer = token.length == 0
                    ? server.post("/api/events", body)
                    : server.post("/api/events", body, "Authorization", "Bearer " + token[0]);
            assertThat(answer.status()).as(answer.body()).isEqualTo(202);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.awaitIngested(seconds(60));
    }

    // ------------------------------------------------------------------ browser helpers

    private void open(String hash) {
        String base = "http://127.0.0.1:" + server.server().port() + "/";
        driver.get(base + hash);
    }

    private static WebElement waitFor(By by) {
        return new WebDriverWait(driver, Duration.ofSeconds(20)).until(ExpectedConditions.presenceOfElementLocated(by));
    }

    private static void wait(java.util.function.Function<WebDriver, Boolean> condition) {
        new WebDriverWait(driver, Duration.ofSeconds(20))
                .ignoring(org.openqa.selenium.NoSuchElementException.class)
                .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                .until(condition::apply);
    }

    /** Clicks what {@code by} finds, finding it again while the page redraws it (stale or not there yet). */
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

    private static void setValue(WebElement el, String value) {
        js("arguments[0].value = arguments[1];", el, value);
    }

    private static void setToken(String token) {
        driver.findElement(By.id("token-btn")).click();
        var input = waitFor(By.id("token-input"));
        input.clear();
        input.sendKeys(token);
        driver.findElement(By.id("token-save")).click();
        wait(d -> d.findElement(By.id("token-btn")).getAttribute("class").contains("on"));
    }

    private static void waitForGraph() {
        waitForGraph(Duration.ofSeconds(20));
    }

    private static void waitForGraph(Duration timeout) {
        new WebDriverWait(driver, timeout)
                .until(d -> "true".equals(d.findElement(By.id("graph")).getDomAttribute("data-ready")));
    }

    /** Waits for graph animations to end and moves the mouse off the canvas (hover fades the rest). */
    private static void settleGraph() {
        new Actions(driver)
                .moveToElement(driver.findElement(By.cssSelector("h1")))
                .perform();
        wait(d -> (Boolean) js("return !window.midaGraph.cy.animated() && !window.midaGraph.cy.nodes().animated();"));
    }

    private static int nodeCount() {
        return ((Number) js("return window.midaGraph ? window.midaGraph.cy.nodes().length : -1;")).intValue();
    }

    private static boolean hasNode(String id) {
        return (Boolean) js("return window.midaGraph.cy.getElementById(arguments[0]).nonempty();", id);
    }

    /** A real mouse click where the node is drawn (centred first so it is inside the canvas). */
    private static void clickNode(String id) {
        js(
                "const g = window.midaGraph; const n = g.cy.getElementById(arguments[0]);"
                        + " g.cy.stop(); g.cy.center(n);",
                id);
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

    private static JsonNode fetchJson(String href) {
        Object body = ((JavascriptExecutor) driver)
                .executeAsyncScript(
                        "const done = arguments[arguments.length - 1];"
                                + " fetch(arguments[0]).then(r => r.text().then(t => done(r.status + '\\n'"
                                + " + (r.headers.get('Content-Disposition') || '') + '\\n' + t)))"
                                + ".catch(e => done('0\\n\\n' + e));",
                        href);
        String[] parts = ((String) body).split("\n", 3);
        assertThat(parts[0]).as("GET " + href + ": " + body).isEqualTo("200");
        assertThat(parts[1]).as("Content-Disposition of " + href).contains("attachment");
        try {
            return MAPPER.readTree(parts[2]);
        } catch (IOException e) {
            throw new AssertionError("not JSON from " + href + ": " + parts[2], e);
        }
    }

    private void expectConsoleError(String fragment) {
        expectedConsoleErrors.add(fragment);
    }

    /** Every SEVERE browser console entry fails the test, except network errors the test provoked on purpose. */
    private void assertNoConsoleErrors() {
        assertThat(chrome.consoleErrors(expectedConsoleErrors))
                .as("browser console errors")
                .isEmpty();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** "a=x&b=y" for the hash, encoded like the UI does. */
    private static String query(String... kv) {
        var sb = new StringBuilder();
        for (int i = 0; i < kv.length; i += 2) {
            if (sb.length() > 0) sb.append('&');
            sb.append(enc(kv[i])).append('=').append(enc(kv[i + 1]));
        }
        return sb.toString();
    }
}
