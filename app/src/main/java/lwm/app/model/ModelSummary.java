package lwm.app.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import lwm.engine.model.ModelFootprint;
import lwm.engine.model.ModelLoader;
import lwm.engine.model.Precision;
import lwm.engine.route.EngineRouter;

/**
 * What a model folder holds, read without loading weights: its format, size, whether it sees images and video, and
 * whether it fits this machine at a working context.
 *
 * @param weightsBytes the weights alone at the precision the engine would choose here
 * @param fitsTokens the most tokens of context the local budget holds beside the weights (0: the weights do not fit)
 */
public record ModelSummary(Path dir, ModelLoader.Format format, boolean vision, boolean tokenizer, long parameters,
                           Precision precision, long weightsBytes, int maxSequenceLength, long fitsTokens) {

    public static ModelSummary of(Path dir, long budget) throws IOException {
        ModelLoader.Format format = ModelLoader.detect(dir);
        ModelFootprint footprint = ModelLoader.footprint(dir);
        long physical = ModelLoader.physicalMemory();
        long localBudget = budget > 0 ? budget : EngineRouter.defaultBudget(physical);
        Precision precision = Precision.automatic(footprint.parameters(), physical);
        long weights = footprint.parameters() * precision.bytesPerParameter();
        long spare = localBudget - footprint.bytesFor(0, precision);
        long tokens = spare <= 0 ? 0 : Math.min(footprint.maxSequenceLength(), spare / footprint.kvBytesPerToken());
        return new ModelSummary(dir, format, footprint.vision(), Files.isRegularFile(dir.resolve("tokenizer.model")),
                footprint.parameters(), precision, weights, footprint.maxSequenceLength(), tokens);
    }

    public boolean fits() {
        return fitsTokens > 0;
    }
}
