package dev.revisor.itests;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real headless Chromium (Debian's {@code chromium}) loading one page: its DOM after the page's scripts ran
 * ({@code --dump-dom}, with a virtual time budget so that fetches and timers run first) or a screenshot. Each call
 * is one browser process with a fresh profile, killed when it overruns. Not thread safe; one per test.
 */
final class HeadlessChromium {
    private static final long TIMEOUT_SECONDS = 90;
    private final Path binary;
    private final Path work;

    private HeadlessChromium(Path binary, Path work) {
        this.binary = binary;
        this.work = work;
    }

    /** @return the browser found on the PATH ({@code chromium}, {@code chromium-browser}), or {@code null} */
    static HeadlessChromium find(Path work) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            for (String name : new String[] {"chromium", "chromium-browser"}) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) {
                    return new HeadlessChromium(p, work);
                }
            }
        }
        return null;
    }

    /** @return the page's DOM after its scripts ran for {@code virtualMillis} of virtual time */
    String dom(String url, int virtualMillis) throws Exception {
        Path out = work.resolve("dom-" + System.nanoTime() + ".html");
        run(out, "--virtual-time-budget=" + virtualMillis, "--dump-dom", url);
        return Files.readString(out, StandardCharsets.UTF_8);
    }

    /** Writes a PNG of the page after its scripts ran. */
    void screenshot(String url, int virtualMillis, Path png) throws Exception {
        Files.createDirectories(png.getParent());
        Files.deleteIfExists(png);
        run(work.resolve("shot-" + System.nanoTime() + ".log"), "--virtual-time-budget=" + virtualMillis,
                "--window-size=1400,1300", "--screenshot=" + png.toAbsolutePath(), url);
        if (!Files.isRegularFile(png)) {
            throw new AssertionError("chromium wrote no screenshot " + png);
        }
    }

    private void run(Path output, String... args) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory(work, "profile");
        List<String> command = new ArrayList<>(List.of(binary.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + profile));
        command.addAll(List.of(args));
        Path err = work.resolve(output.getFileName() + ".err");
        Process p = new ProcessBuilder(command).redirectInput(new File("/dev/null")).redirectOutput(output.toFile())
                .redirectError(err.toFile()).start();
        try {
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new AssertionError("chromium did not finish within " + TIMEOUT_SECONDS + " s: " + command);
            }
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            RevisorTestSupport.deleteTree(profile);
        }
    }
}
