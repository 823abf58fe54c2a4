package lwm.test;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import lwm.engine.remote.BackendConfig;

/**
 * The real remote backend ({@code remote-backend/}, Python on JAX) as a process on loopback, with simulated CPU
 * devices. Started from the build's venv; tests skip when the venv or the backend sources are absent.
 */
public final class BackendProcess implements AutoCloseable {
    private static final long START_SECONDS = 180;

    private final Process process;
    private final BufferedReader output;
    private final String token;
    private final List<String> log = new ArrayList<>();
    private String url;

    private BackendProcess(Process process, String token) {
        this.process = process;
        this.output = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.token = token;
    }

    /**
     * Starts {@code lwm-backend serve} and waits for its "listening on URL" line.
     *
     * @param port 0 for any free port
     */
    public static BackendProcess start(Path model, int devices, int port, String token, Path tokenDir, String... extra)
            throws IOException, InterruptedException {
        String venv = System.getProperty("lwm.venv");
        String sources = System.getProperty("lwm.backend.dir");
        assumeTrue(venv != null && Files.isExecutable(Path.of(venv, "bin", "python")), "no venv (run through Maven)");
        assumeTrue(sources != null && Files.isDirectory(Path.of(sources, "lwm_backend")), "no remote-backend sources");
        Path tokenFile = tokenDir.resolve("backend-token");
        Files.writeString(tokenFile, token);
        List<String> command = new ArrayList<>(List.of(Path.of(venv, "bin", "python").toString(), "-m",
                "lwm_backend.cli", "serve", "--model", model.toString(), "--devices", Integer.toString(devices),
                "--mesh", "1,1,1," + devices, "--host", "127.0.0.1", "--port", Integer.toString(port),
                "--token-file", tokenFile.toString()));
        command.addAll(List.of(extra));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("PYTHONPATH", sources);
        builder.environment().put("PYTHONUNBUFFERED", "1");
        Process process = builder.start();
        BackendProcess backend = new BackendProcess(process, token);
        backend.url = backend.awaitListening();
        backend.drain();
        return backend;
    }

    private String awaitListening() throws IOException, InterruptedException {
        CompletableFuture<String> listening = CompletableFuture.supplyAsync(() -> {
            try {
                String line;
                while ((line = output.readLine()) != null) {
                    synchronized (log) {
                        log.add(line);
                    }
                    if (line.startsWith("listening on ")) {
                        return line.substring("listening on ".length()).strip();
                    }
                }
                return null;
            } catch (IOException e) {
                return null;
            }
        });
        try {
            String found = listening.get(START_SECONDS, TimeUnit.SECONDS);
            if (found == null) {
                throw new IOException("the backend exited before listening:\n" + log());
            }
            return found;
        } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
            process.destroyForcibly();
            throw new IOException("the backend did not start in " + START_SECONDS + " s:\n" + log(), e);
        }
    }

    /** Keeps reading the log so the process never blocks on a full pipe. */
    private void drain() {
        Thread thread = new Thread(() -> {
            try (BufferedReader reader = output) {
                String line;
                while ((line = reader.readLine()) != null) {
                    synchronized (log) {
                        log.add(line);
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        }, "backend-log");
        thread.setDaemon(true);
        thread.start();
    }

    public String url() {
        return url;
    }

    int port() {
        return java.net.URI.create(url).getPort();
    }

    BackendConfig config() {
        return BackendConfig.of(url, token);
    }

    public String log() {
        synchronized (log) {
            return String.join("\n", log);
        }
    }

    long pid() {
        return process.pid();
    }

    /** SIGKILL: the backend vanishes mid-work, as a crashed or preempted host would. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGSTOP / SIGCONT: the backend stays connected but sends nothing, not even pings. */
    void signal(String name) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start().waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(20, TimeUnit.SECONDS);
            }
        }
    }
}
