package org.mida.server.web;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The headless Chromium the browser tests drive (Debian {@code chromium} + {@code chromium-driver}), its
 * viewport pinned to 1280x800. Without Chromium a test class is skipped locally and fails under
 * {@code CI=true}. {@code -Dmida.screenshots=<dir>} saves the screenshots the tests take there.
 */
record HeadlessChrome(ChromeDriverService service, ChromeDriver driver) implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HeadlessChrome.class);
    private static final Path CHROMIUM = Path.of(System.getProperty("mida.chromium", "/usr/bin/chromium"));
    private static final Path CHROMEDRIVER =
            Path.of(System.getProperty("webdriver.chrome.driver", "/usr/bin/chromedriver"));
    private static final String SCREENSHOTS = System.getProperty("mida.screenshots", "");

    /** Starts the browser, or aborts the calling test class (fails it under {@code CI=true}) without one. */
    static HeadlessChrome start() {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!present) {
            String msg = "headless Chromium is needed for the web UI tests: install Debian 'chromium' and"
                    + " 'chromium-driver' (" + CHROMIUM + ", " + CHROMEDRIVER + ")";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) throw new AssertionError(msg);
            Assumptions.abort(msg);
        }
        var service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        var options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-dev-shm-usage",
                "--window-size=1280,800",
                "--hide-scrollbars",
                "--force-device-scale-factor=1");
        options.setCapability("goog:loggingPrefs", Map.of(LogType.BROWSER, "ALL"));
        var driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
        // --window-size includes the window frame in new headless mode (the page got 1280x657): pin the
        // viewport itself to the 1280x800 the pages must be usable at
        driver.executeCdpCommand(
                "Emulation.setDeviceMetricsOverride",
                Map.of("width", 1280, "height", 800, "deviceScaleFactor", 1, "mobile", false));
        return new HeadlessChrome(service, driver);
    }

    /**
     * The SEVERE browser console entries since the last call, except those containing one of
     * {@code expected} (errors a test provoked on purpose); the other entries are logged.
     */
    List<String> consoleErrors(Collection<String> expected) {
        List<String> severe = new ArrayList<>();
        for (LogEntry e : driver.manage().logs().get(LogType.BROWSER)) {
            String m = e.getMessage();
            if (!e.getLevel().equals(Level.SEVERE)) LOG.info("browser console {}: {}", e.getLevel(), m);
            else if (expected.stream().noneMatch(m::contains)) severe.add(m);
        }
        return severe;
    }

    /** Saves the page as {@code <name>.png} in the {@code mida.screenshots} directory, when one is set. */
    void screenshot(String name) {
        if (SCREENSHOTS.isBlank()) return;
        try {
            Path dir = Path.of(SCREENSHOTS);
            Files.createDirectories(dir);
            Path tmp = driver.getScreenshotAs(OutputType.FILE).toPath();
            Files.copy(tmp, dir.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        driver.quit();
        service.stop();
    }
}
