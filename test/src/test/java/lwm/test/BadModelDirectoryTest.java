package lwm.test;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import lwm.engine.model.ModelLoader;
import lwm.engine.model.Precision;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Model directories that are readable but wrong: each gives an error naming the file and the problem. */
@Timeout(60)
class BadModelDirectoryTest {
    @TempDir
    Path temp;

    private Path copyOf(String shape, String format) throws IOException {
        Path source = Fixtures.model(shape, format);
        Path target = temp.resolve(format);
        Files.createDirectories(target);
        try (var files = Files.list(source)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, target.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return target;
    }

    private void editConfig(Path dir, java.util.function.Consumer<ObjectNode> edit) throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode config = (ObjectNode) mapper.readTree(dir.resolve("config.json").toFile());
        edit.accept(config);
        mapper.writeValue(dir.resolve("config.json").toFile(), config);
    }

    private static String failure(Path dir) {
        return assertThrows(IOException.class, () -> ModelLoader.load(dir, Precision.F32)).getMessage();
    }

    @Test
    void configWithInconsistentSizesNamesTheTensor() throws IOException {
        Path dir = copyOf("s2x64", "hf-f32");
        editConfig(dir, c -> c.put("intermediate_size", 200));
        String message = failure(dir);
        assertTrue(message.contains("mlp.") && message.contains("200"), message);
    }

    @Test
    void configMissingRopeThetaNamesTheField() throws IOException {
        Path dir = copyOf("s2x64", "hf-f32");
        editConfig(dir, c -> {
            c.remove("rope_theta");
            c.remove("rope_parameters");
        });
        String message = failure(dir);
        assertTrue(message.contains("config.json") && message.contains("rope_theta"), message);
    }

    @Test
    void configThatIsNotJsonNamesTheFile() throws IOException {
        Path dir = copyOf("s2x64", "hf-f32");
        Files.writeString(dir.resolve("config.json"), "{ not json");
        String message = failure(dir);
        assertTrue(message.contains("config.json") && message.contains("JSON"), message);
    }

    @Test
    void groupedQueryConfigIsRejected() throws IOException {
        Path dir = copyOf("s2x64", "hf-f32");
        editConfig(dir, c -> c.put("num_key_value_heads", 1));
        assertTrue(failure(dir).contains("num_key_value_heads"));
    }

    @Test
    void jaxParamsWithoutSettingsAskForThem() throws IOException {
        Path dir = copyOf("s2x64", "jax");
        Files.delete(dir.resolve("lwm_config.json"));
        String message = failure(dir);
        assertTrue(message.contains("rope_theta") && message.contains("lwm_config.json"), message);
    }

    @Test
    void jaxParamsInAReleasedModelDirectoryUseItsTheta() throws IOException {
        // Named like a release, the settings come from LWM's table; heads then default to hidden/128, which
        // the tiny model cannot satisfy, and the error says so instead of producing garbage.
        Path dir = copyOf("s2x64", "jax");
        Files.delete(dir.resolve("lwm_config.json"));
        Path released = temp.resolve("LWM-Text-Chat-1M");
        Files.move(dir, released);
        String message = failure(released);
        assertTrue(message.contains("heads"), message);
    }

    @Test
    void directoryWithoutAModelSaysWhatItExpects() throws IOException {
        Path empty = Files.createDirectories(temp.resolve("empty"));
        String message = failure(empty);
        assertTrue(message.contains("config.json") && message.contains("params"), message);
    }
}
