package lwm.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Collects tensors from any checkpoint format, already in the internal convention, checks them against
 * the configuration and assembles {@link LlamaWeights}. Format readers only decide what each tensor is.
 */
final class WeightsBuilder implements AutoCloseable {
    private record Key(TensorRole role, int layer) {}

    private record Entry(String source, NDArray array) {}

    private final NDManager manager;
    private final Precision precision;
    private final Map<Key, Entry> entries = new HashMap<>();
    private Path origin;
    private String sizesFrom = "the configuration";
    private boolean built;

    WeightsBuilder(NDManager manager, Precision precision) {
        this.manager = manager;
        this.precision = precision;
    }

    NDManager manager() {
        return manager;
    }

    /** The storage type a tensor of this role gets: F32 for norms, the chosen precision otherwise. */
    DataType storageType(TensorRole role) {
        return role.isNorm() ? DataType.FLOAT32 : precision.dataType();
    }

    /** The file (or directory of shards) the tensors come from, named when one is missing. */
    void readingFrom(Path file) {
        origin = file;
    }

    /** The file the configuration's sizes come from, named when a tensor's shape disagrees with them. */
    void sizedBy(Path configFile) {
        sizesFrom = configFile.toString();
    }

    /** Registers {@code array} (owned by this builder's manager) for {@code role}; {@code source} names it in errors. */
    void put(TensorRole role, int layer, String source, NDArray array) throws InvalidModelException {
        Key key = new Key(role, role.perLayer ? layer : -1);
        Entry previous = entries.put(key, new Entry(source, array));
        if (previous != null) {
            throw new InvalidModelException(source + ": appears twice (also as " + previous.source + ")");
        }
    }

    LlamaWeights build(LlamaConfig config) throws InvalidModelException {
        checkNoExtraLayers(config);
        NDArray embedding = take(TensorRole.TOKEN_EMBEDDING, -1, config);
        NDArray visionEmbedding = config.isVision() ? take(TensorRole.VISION_EMBEDDING, -1, config) : null;
        NDArray finalNorm = take(TensorRole.FINAL_NORM, -1, config);
        NDArray lmHead = take(TensorRole.LM_HEAD, -1, config);
        NDArray visionHead = config.isVision() ? take(TensorRole.VISION_HEAD, -1, config) : null;
        LayerWeights[] layers = new LayerWeights[config.numLayers()];
        for (int i = 0; i < layers.length; i++) {
            layers[i] = new LayerWeights(
                    take(TensorRole.ATTENTION_NORM, i, config),
                    stack(take(TensorRole.WQ, i, config), take(TensorRole.WK, i, config), take(TensorRole.WV, i, config)),
                    take(TensorRole.WO, i, config),
                    take(TensorRole.FFN_NORM, i, config),
                    stack(take(TensorRole.W1, i, config), take(TensorRole.W3, i, config)),
                    take(TensorRole.W2, i, config));
        }
        if (!entries.isEmpty()) {
            Entry extra = entries.values().iterator().next();
            throw new InvalidModelException(extra.source + ": unexpected tensor for this configuration");
        }
        built = true;
        return new LlamaWeights(manager, embedding, visionEmbedding, layers, finalNorm, lmHead, visionHead);
    }

    private void checkNoExtraLayers(LlamaConfig config) throws InvalidModelException {
        for (Map.Entry<Key, Entry> e : entries.entrySet()) {
            int layer = e.getKey().layer;
            if (e.getKey().role.perLayer && (layer < 0 || layer >= config.numLayers())) {
                throw new InvalidModelException(e.getValue().source + ": layer " + layer
                        + " but the configuration has num_hidden_layers " + config.numLayers());
            }
        }
    }

    private NDArray take(TensorRole role, int layer, LlamaConfig config) throws InvalidModelException {
        Entry entry = entries.remove(new Key(role, layer));
        if (entry == null) {
            String where = role.perLayer ? " of layer " + layer : "";
            throw new InvalidModelException((origin == null ? "" : origin + ": ") + "missing tensor "
                    + role.name().toLowerCase(java.util.Locale.ROOT) + where);
        }
        role.checkShape(config, sizesFrom, entry.source, entry.array.getShape().getShape());
        return entry.array;
    }

    /** Concatenates matrices along their output rows into one contiguous matrix and frees the parts. */
    private static NDArray stack(NDArray... parts) {
        NDArray result = NDArrays.concat(new NDList(parts), 0);
        for (NDArray part : parts) {
            part.close();
        }
        return result;
    }

    @Override
    public void close() {
        if (!built) {
            manager.close();
        }
    }
}
