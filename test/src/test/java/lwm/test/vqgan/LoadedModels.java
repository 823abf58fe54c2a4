package lwm.test.vqgan;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import lwm.engine.model.Precision;
import lwm.engine.vqgan.Vqgan;

/** Models loaded once per test class (the full VQGAN is 585 MB) and closed with it. */
final class LoadedModels implements AutoCloseable {
    private record Key(Path file, Precision precision) {
    }

    private final Map<Key, Vqgan> models = new HashMap<>();

    Vqgan get(Path file, Precision precision) {
        return models.computeIfAbsent(new Key(file, precision), key -> {
            try {
                return Vqgan.load(key.file(), key.precision());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    @Override
    public void close() {
        models.values().forEach(Vqgan::close);
        models.clear();
    }
}
