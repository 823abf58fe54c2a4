package lwm.engine.vqgan;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import lwm.engine.weights.Checkpoint;
import lwm.engine.weights.RawTensor;

/** Tensors held in memory, as any checkpoint format would hand them out. */
final class MapCheckpoint implements Checkpoint {
    static final Path FILE = Path.of("tiny-vqgan");

    private final Map<String, RawTensor> tensors;

    MapCheckpoint(Map<String, RawTensor> tensors) {
        this.tensors = new LinkedHashMap<>(tensors);
    }

    @Override
    public Set<String> names() {
        return tensors.keySet();
    }

    @Override
    public RawTensor tensor(String name) {
        return tensors.get(name);
    }

    @Override
    public Path file(String name) {
        return tensors.containsKey(name) ? FILE : null;
    }

    @Override
    public void close() {
    }
}
