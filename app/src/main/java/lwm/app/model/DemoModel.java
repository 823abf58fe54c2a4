package lwm.app.model;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The bundled demo model (models/lwm-demo: a small LWM with LWM's architecture and files, trained on a toy world by
 * demo/train.py), used wherever no model is given, so every flow works on a fresh machine.
 *
 * <p>Found, in order: the {@value #PROPERTY} system property, the
 * {@value #ENV} environment variable, then {@value #RELATIVE} in a folder above the running jar (a checkout or an
 * installed app image).
 */
public final class DemoModel {
    public static final String PROPERTY = "lwm.demo.model";
    public static final String ENV = "LWM_DEMO_MODEL";
    static final String RELATIVE = "models/lwm-demo";

    private DemoModel() {}

    /** The demo model's directory; an exception naming every place looked at when it is in none of them. */
    public static Path locate() {
        List<Path> tried = new ArrayList<>();
        String property = System.getProperty(PROPERTY);
        if (property != null && !property.isBlank()) {
            return checked(Path.of(property), PROPERTY + " names");
        }
        String env = System.getenv(ENV);
        if (env != null && !env.isBlank()) {
            return checked(Path.of(env), ENV + " names");
        }
        for (Path dir = codeLocation(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(RELATIVE);
            tried.add(candidate);
            if (isModel(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("no model given, and the bundled demo model is not in " + tried
                + "; pass a model directory or set " + ENV);
    }

    private static Path checked(Path dir, String source) {
        if (!isModel(dir)) {
            throw new IllegalStateException(source + " " + dir + ", which holds no demo model (params, vqgan and "
                    + "tokenizer.model)");
        }
        return dir;
    }

    static boolean isModel(Path dir) {
        return Files.isRegularFile(dir.resolve("params")) && Files.isRegularFile(dir.resolve("vqgan"))
                && Files.isRegularFile(dir.resolve("tokenizer.model"));
    }

    private static Path codeLocation() {
        try {
            return Path.of(DemoModel.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .toAbsolutePath().getParent();
        } catch (URISyntaxException | SecurityException | NullPointerException e) {
            return null;
        }
    }
}
