package lwm.engine.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * JSON and SSE over java.net.http with the bearer token on every call. Every failure becomes a {@link RemoteException}
 * that names the method and endpoint; the token never appears in messages.
 */
final class BackendHttp {
    static final ObjectMapper JSON = new ObjectMapper();
    /** Plain JSON calls are short; only streams may run long, and they are guarded by the silence timeout. */
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);

    private final BackendConfig config;
    private final HttpClient client;

    BackendHttp(BackendConfig config) {
        this.config = config;
        this.client = HttpClient.newBuilder().connectTimeout(config.connectTimeout())
                .version(HttpClient.Version.HTTP_1_1).build();
    }

    BackendConfig config() {
        return config;
    }

    /** A JSON answer from GET; {@code authorized} false for /health. */
    Response get(String path, boolean authorized) throws RemoteException {
        return call(request(path, authorized).GET().timeout(CALL_TIMEOUT).build(), "GET " + path);
    }

    Response post(String path, ObjectNode body) throws RemoteException {
        return call(request(path, true).POST(jsonBody(body)).timeout(CALL_TIMEOUT).build(), "POST " + path);
    }

    Response delete(String path) throws RemoteException {
        return call(request(path, true).DELETE().timeout(CALL_TIMEOUT).build(), "DELETE " + path);
    }

    /** A DELETE whose answer nobody waits for: cleanup after a failure must not delay reporting it. */
    void deleteInBackground(String path) {
        client.sendAsync(request(path, true).DELETE().timeout(CALL_TIMEOUT).build(), HttpResponse.BodyHandlers.discarding());
    }

    /** Opens an SSE stream; a non-2xx answer is read and thrown as its error. */
    SseStream stream(String method, String path, ObjectNode body) throws RemoteException {
        // The timeout covers the response headers only: the backend answers at once and then streams for as long as
        // the work takes, watched by SseStream's silence timeout.
        HttpRequest.Builder builder = request(path, true).header("Accept", "text/event-stream")
                .timeout(config.silenceTimeout());
        builder = body == null ? builder.method(method, HttpRequest.BodyPublishers.noBody())
                : builder.method(method, jsonBody(body));
        String what = method + " " + path;
        HttpResponse<InputStream> response = send(builder.build(), HttpResponse.BodyHandlers.ofInputStream(), what);
        if (response.statusCode() / 100 != 2) {
            byte[] bytes;
            try (InputStream in = response.body()) {
                bytes = in.readNBytes(64 * 1024);
            } catch (IOException e) {
                bytes = new byte[0];
            }
            throw error(what, response.statusCode(), bytes, response.headers().firstValue("Retry-After").orElse(null));
        }
        return new SseStream(response.body(), config.silenceTimeout(), endpoint(what),
                response.headers().firstValue("X-Request-Id").orElse(null));
    }

    /** A JSON call's status and parsed body (null when empty). */
    record Response(int status, JsonNode body) {}

    private Response call(HttpRequest request, String what) throws RemoteException {
        HttpResponse<byte[]> response = send(request, HttpResponse.BodyHandlers.ofByteArray(), what);
        int status = response.statusCode();
        if (status / 100 != 2) {
            throw error(what, status, response.body(), response.headers().firstValue("Retry-After").orElse(null));
        }
        byte[] bytes = response.body();
        try {
            return new Response(status, bytes.length == 0 ? null : JSON.readTree(bytes));
        } catch (IOException e) {
            throw new RemoteException(endpoint(what) + ": the answer is not JSON: " + e.getMessage(), status, null);
        }
    }

    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler, String what)
            throws RemoteException {
        try {
            return client.send(request, handler);
        } catch (ConnectException e) {
            throw new RemoteException(endpoint(what) + ": cannot connect (is the backend running?)", e);
        } catch (HttpTimeoutException e) {
            throw new RemoteException(endpoint(what) + ": no answer in time (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new RemoteException(endpoint(what) + ": connection failed: " + describe(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RemoteException(endpoint(what) + ": interrupted", e);
        }
    }

    private HttpRequest.Builder request(String path, boolean authorized) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(config.resolve(path)).header("Content-Type", "application/json");
        if (authorized && !config.token().isEmpty()) {
            builder.header("Authorization", "Bearer " + config.token());
        }
        return builder;
    }

    private static HttpRequest.BodyPublisher jsonBody(ObjectNode body) {
        try {
            return HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise a request body", e);
        }
    }

    private RemoteException error(String what, int status, byte[] body, String retryAfter) {
        String message = "HTTP " + status;
        String code = null;
        try {
            JsonNode error = JSON.readTree(body).path("error");
            if (error.hasNonNull("message")) {
                message += ": " + error.get("message").asText();
            }
            code = error.hasNonNull("code") ? error.get("code").asText() : null;
        } catch (IOException | RuntimeException e) {
            String text = new String(body, 0, Math.min(body.length, 200), StandardCharsets.UTF_8).strip();
            if (!text.isEmpty()) {
                message += ": " + text;
            }
        }
        if (status == 401) {
            message += " (the backend token is missing or wrong)";
        }
        if (retryAfter != null) {
            message += " (retry after " + retryAfter + " s)";
        }
        return new RemoteException(endpoint(what) + ": " + message, status, code);
    }

    String endpoint(String what) {
        int space = what.indexOf(' ');
        return what.substring(0, space + 1) + config.baseUrl() + what.substring(space + 1);
    }

    static String describe(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }
}
