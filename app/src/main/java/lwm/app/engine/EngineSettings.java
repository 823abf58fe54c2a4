package lwm.app.engine;

import java.nio.file.Path;
import lwm.engine.model.Precision;
import lwm.engine.remote.BackendConfig;
import lwm.engine.route.EngineRouter;

/**
 * Which model runs where: the model directory, its precision (null: f32 when the weights fit in half the memory,
 * else f16), the backend (null: none), how requests are routed, and the local memory budget in bytes (0: 3/4 of
 * physical memory).
 */
public record EngineSettings(Path modelDir, Precision precision, BackendConfig backend, EngineRouter.Mode mode,
                             long memoryBudget) {
    public EngineSettings {
        mode = mode == null ? EngineRouter.Mode.AUTO : mode;
        if (mode == EngineRouter.Mode.REMOTE && backend == null) {
            throw new IllegalArgumentException("requests routed to the backend need a backend URL");
        }
    }

    /** The local model only, routed automatically. */
    public static EngineSettings local(Path modelDir) {
        return new EngineSettings(modelDir, null, null, EngineRouter.Mode.AUTO, 0);
    }
}
