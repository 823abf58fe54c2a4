package lwm.engine.remote;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Reads a server-sent event stream: {@code data:} payloads one at a time, {@code :} comments as keep-alives, until
 * {@code data: [DONE]}. There is no read timeout; instead a watchdog closes the stream when nothing at all (no data, no
 * ping) arrives for the silence timeout, so a dead backend cannot hang the reader.
 */
final class SseStream implements AutoCloseable {
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "lwm-sse-watchdog");
        thread.setDaemon(true);
        return thread;
    });

    private final InputStream body;
    private final BufferedReader reader;
    private final long silenceNanos;
    private final String endpoint;
    private final String requestId;
    private final ScheduledFuture<?> watch;
    private volatile long lastActivity = System.nanoTime();
    private volatile boolean silenced;
    private volatile boolean closed;
    private volatile Thread readerThread;

    SseStream(InputStream body, Duration silence, String endpoint, String requestId) {
        this.body = body;
        this.reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
        this.silenceNanos = silence.toNanos();
        this.endpoint = endpoint;
        this.requestId = requestId;
        long period = Math.max(50, Math.min(1000, silence.toMillis() / 4));
        this.watch = WATCHDOG.scheduleAtFixedRate(this::closeIfSilent, period, period, TimeUnit.MILLISECONDS);
    }

    /** The {@code X-Request-Id} response header, or null. */
    String requestId() {
        return requestId;
    }

    /** The next event's data, or null after {@code [DONE]}. A stream that ends without {@code [DONE]} is an error. */
    String next() throws RemoteException {
        StringBuilder data = null;
        while (true) {
            String line;
            readerThread = Thread.currentThread();
            try {
                line = reader.readLine();
            } catch (IOException e) {
                throw failure(e);
            } finally {
                readerThread = null;
                if (silenced) {
                    Thread.interrupted(); // the watchdog's interrupt must not leak into the caller
                }
            }
            lastActivity = System.nanoTime();
            if (line == null) {
                if (silenced) {
                    throw silent();
                }
                throw new RemoteException(endpoint + ": the stream ended before [DONE] (did the backend stop?)", 0, null);
            }
            if (line.isEmpty()) {
                if (data != null) {
                    String payload = data.toString();
                    return payload.equals("[DONE]") ? null : payload;
                }
            } else if (line.startsWith("data:")) {
                String value = line.substring(line.startsWith("data: ") ? 6 : 5);
                data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
            }
            // ':' comments are keep-alives; 'event:', 'id:' and 'retry:' fields are not used by the protocol.
        }
    }

    private RemoteException failure(IOException e) {
        if (silenced) {
            return silent();
        }
        if (closed) {
            return new RemoteException(endpoint + ": the stream was closed", e);
        }
        return new RemoteException(endpoint + ": the connection dropped: " + BackendHttp.describe(e), e);
    }

    private RemoteException silent() {
        return new RemoteException(endpoint + ": nothing received for " + silenceNanos / 1_000_000_000
                + " s (no data and no ping); the backend is unreachable or stuck", 0, "silent");
    }

    private void closeIfSilent() {
        if (System.nanoTime() - lastActivity > silenceNanos) {
            silenced = true;
            closeQuietly();
            Thread reading = readerThread;
            if (reading != null) {
                reading.interrupt(); // a blocked read on java.net.http's body stream wakes on interrupt
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly();
    }

    private void closeQuietly() {
        watch.cancel(false);
        try {
            body.close();
        } catch (IOException e) {
            // Closing is how a stuck read is interrupted; a failure to close leaves nothing to clean up.
        }
    }
}
