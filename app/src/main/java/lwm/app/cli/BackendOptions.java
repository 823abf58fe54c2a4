package lwm.app.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import lwm.app.engine.EngineSettings;
import lwm.app.engine.MemorySize;
import lwm.engine.model.Precision;
import lwm.engine.remote.BackendConfig;
import lwm.engine.route.EngineRouter;
import picocli.CommandLine.Option;

/** Where the remote backend is, how to authenticate, and how requests are routed between it and the local engine. */
final class BackendOptions {
    static final String URL_ENV = "LWM_BACKEND_URL";
    static final String TOKEN_ENV = "LWM_BACKEND_TOKEN";

    @Option(names = "--backend", paramLabel = "URL", defaultValue = "${env:" + URL_ENV + "}",
            description = "Remote backend for contexts that do not fit this machine (default: $" + URL_ENV + ").")
    String url;

    @Option(names = "--backend-token-file", paramLabel = "FILE",
            description = "File holding the backend's bearer token (default: $" + TOKEN_ENV + ").")
    Path tokenFile;

    @Option(names = "--route", paramLabel = "auto|local|remote", defaultValue = "auto",
            description = "Where requests run: auto (local when it fits, else the backend), local or remote "
                    + "(default: ${DEFAULT-VALUE}).")
    String route;

    @Option(names = "--memory-budget", paramLabel = "SIZE",
            description = "Memory the local engine may use, e.g. 12G or 512M (default: 3/4 of physical memory).")
    String memoryBudget;

    /** Null when no backend is configured. */
    BackendConfig config() throws IOException {
        if (url == null || url.isBlank()) {
            if (mode() == EngineRouter.Mode.REMOTE) {
                throw new IllegalArgumentException("--route remote needs a backend: give --backend URL or set $" + URL_ENV);
            }
            return null;
        }
        return BackendConfig.of(url.strip(), token());
    }

    private String token() throws IOException {
        if (tokenFile != null) {
            if (!Files.isReadable(tokenFile)) {
                throw new IllegalArgumentException(tokenFile + ": cannot read the backend token file");
            }
            return Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
        }
        String fromEnv = System.getenv(TOKEN_ENV);
        return fromEnv == null ? "" : fromEnv.strip();
    }

    EngineRouter.Mode mode() {
        try {
            return EngineRouter.Mode.valueOf(route.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--route must be auto, local or remote, got '" + route + "'");
        }
    }

    /** The engines' settings for the model of {@code model}. */
    EngineSettings settings(ModelOptions model) throws IOException {
        Precision precision = model.precision == null ? null : Precision.parse(model.precision);
        return new EngineSettings(model.dir(), precision, config(), mode(), budget());
    }

    /** The local memory budget in bytes, 0 for the default. */
    private long budget() {
        try {
            return memoryBudget == null ? 0 : MemorySize.parse(memoryBudget);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--memory-budget: " + e.getMessage());
        }
    }
}
