package lwm.engine.remote;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * Where the remote backend is and how to talk to it.
 *
 * @param baseUrl e.g. {@code http://127.0.0.1:8000} (https for TLS)
 * @param token the bearer token; never printed ({@link #toString()} hides it)
 * @param connectTimeout for opening a connection
 * @param silenceTimeout a stream that sends nothing (not even a ping) for this long is treated as dead; there is no
 *     other read timeout, so a prefill of any length survives as long as the backend keeps pinging
 */
public record BackendConfig(URI baseUrl, String token, Duration connectTimeout, Duration silenceTimeout) {
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** Two of the backend's default 15 s ping intervals, plus slack. */
    public static final Duration DEFAULT_SILENCE_TIMEOUT = Duration.ofSeconds(45);

    public BackendConfig {
        Objects.requireNonNull(baseUrl, "baseUrl");
        String scheme = baseUrl.getScheme();
        if (!"http".equals(scheme) && !"https".equals(scheme)) {
            throw new IllegalArgumentException(baseUrl + ": the backend URL must start with http:// or https://");
        }
        if (baseUrl.getHost() == null) {
            throw new IllegalArgumentException(baseUrl + ": the backend URL has no host");
        }
        token = token == null ? "" : token.strip();
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(silenceTimeout, "silenceTimeout");
    }

    public static BackendConfig of(String url, String token) {
        String trimmed = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        return new BackendConfig(URI.create(trimmed), token, DEFAULT_CONNECT_TIMEOUT, DEFAULT_SILENCE_TIMEOUT);
    }

    public BackendConfig withSilenceTimeout(Duration timeout) {
        return new BackendConfig(baseUrl, token, connectTimeout, timeout);
    }

    URI resolve(String path) {
        return URI.create(baseUrl + path);
    }

    @Override
    public String toString() {
        return "BackendConfig[" + baseUrl + ", token " + (token.isEmpty() ? "none" : "set") + "]";
    }
}
