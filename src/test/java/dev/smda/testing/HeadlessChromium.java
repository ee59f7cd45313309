package dev.smda.testing;

import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * Debian's Chromium driven headless by Selenium, with no network at all (anything a page tried to
 * fetch would fail and show): the driver is named, so Selenium Manager never looks for one online.
 * Skipped where Chromium is not installed, unless SMDA_CI is set (.ci/run installs it).
 */
public final class HeadlessChromium implements AutoCloseable {

    /** Selenium warns that it has no CDP bindings for this Chromium; the tests do not use CDP. */
    private static final Logger CDP_LOG = Logger.getLogger("org.openqa.selenium.devtools");

    public final ChromeDriver browser;

    private HeadlessChromium(ChromeDriver browser) {
        this.browser = browser;
    }

    public static HeadlessChromium open(Path profile) {
        CDP_LOG.setLevel(Level.SEVERE);
        File chromium = executable("SMDA_CHROMIUM", "/usr/bin/chromium");
        File driver = executable("SMDA_CHROMEDRIVER", "/usr/bin/chromedriver");
        Fixtures.requireExternal(chromium != null && driver != null, "Chromium is not installed (apt-get install chromium chromium-driver)");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium);
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=" + profile.toAbsolutePath(), "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic", "--disable-extensions", "--disable-default-apps",
                "--host-resolver-rules=MAP * ~NOTFOUND", "--window-size=1400,1000");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability(ChromeOptions.LOGGING_PREFS, logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(driver).build();
        ChromeDriver browser = new ChromeDriver(service, options);
        browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(120));
        return new HeadlessChromium(browser);
    }

    private static File executable(String variable, String fallback) {
        File f = new File(System.getenv().getOrDefault(variable, fallback));
        return f.canExecute() ? f : null;
    }

    public Object js(String script, Object... args) {
        return ((JavascriptExecutor) browser).executeScript(script, args);
    }

    /** The console messages of level SEVERE since the last call. */
    public List<String> consoleErrors() {
        List<String> errors = new ArrayList<>();
        for (LogEntry e : browser.manage().logs().get(LogType.BROWSER)) {
            if (e.getLevel().intValue() >= Level.SEVERE.intValue()) {
                errors.add(e.getMessage());
            }
        }
        return errors;
    }

    @Override
    public void close() {
        browser.quit();
    }
}
