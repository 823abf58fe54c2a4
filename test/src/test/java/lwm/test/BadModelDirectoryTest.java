package lwm.test;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import lwm.app.engine.EngineSettings;
import lwm.app.engine.Engines;
import lwm.app.model.DemoModel;
import lwm.engine.model.ModelLoader;
import lwm.engine.model.Precision;
import lwm.engine.route.EngineRouter;
import lwm.engine.tokenizer.InvalidTokenizerException;
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

    private static String footprintFailure(Path dir) {
        return assertThrows(IOException.class, () -> ModelLoader.footprint(dir)).getMessage();
    }

    @Test
    void checkpointMissingALayerNamesTheFileAndTheTensor() throws IOException {
        Path dir = copyOf("s2x64", "hf-f32");
        editConfig(dir, c -> c.put("num_hidden_layers", 3));
        String message = failure(dir);
        assertTrue(message.startsWith(dir.resolve("model.safetensors") + ": missing tensor")
                && message.contains("layer 2"), message);
        String planning = footprintFailure(dir);
        assertTrue(planning.contains("model.safetensors") && planning.contains("num_hidden_layers 3"), planning);
    }

    @Test
    void absurdConfigSizesAreRefusedNamingTheConfigAndTheField() throws IOException {
        Path dir = copyOf("s2x64", "hf-f32");
        editConfig(dir, c -> {
            c.put("hidden_size", 1_000_000_000);
            c.remove("head_dim");
        });
        for (String message : new String[] {failure(dir), footprintFailure(dir)}) {
            assertTrue(message.startsWith(dir.resolve("config.json") + ": hidden_size"), message);
        }
    }

    @Test
    void plausibleConfigThatDoesNotDescribeTheCheckpointIsRefusedBeforePlanning() throws IOException {
        Path dir = copyOf("s2x64", "hf-f32");
        editConfig(dir, c -> {
            c.put("hidden_size", 4096);
            c.put("head_dim", 1024);
            c.put("max_position_embeddings", 1 << 20);
        });
        String message = footprintFailure(dir);
        assertTrue(message.contains("model.safetensors: ") && message.contains("hidden_size 4096"), message);
    }

    @Test
    void absurdJaxSettingsAreRefusedNamingLwmConfig() throws IOException {
        Path dir = copyOf("s2x64", "jax");
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode settings = (ObjectNode) mapper.readTree(dir.resolve("lwm_config.json").toFile());
        settings.put("max_sequence_length", Integer.MAX_VALUE);
        mapper.writeValue(dir.resolve("lwm_config.json").toFile(), settings);
        for (String message : new String[] {failure(dir), footprintFailure(dir)}) {
            assertTrue(message.startsWith(dir.resolve("lwm_config.json") + ": max_sequence_length"), message);
        }
    }

    @Test
    void anotherModelsTokenizerIsRefusedBeforeAnyRequest() throws IOException {
        Path dir = copyOf("s2x64", "hf-f32");
        Files.copy(DemoModel.locate().resolve("tokenizer.model"), dir.resolve("tokenizer.model"),
                StandardCopyOption.REPLACE_EXISTING);
        String message = assertThrows(InvalidTokenizerException.class, () -> new Engines(
                new EngineSettings(dir, Precision.F32, null, EngineRouter.Mode.LOCAL, 0))).getMessage();
        assertTrue(message.startsWith(dir.resolve("tokenizer.model") + ": 2048 pieces")
                && message.contains("only 512 ids"), message);
    }

    @Test
    void directoryWithoutAModelSaysWhatItExpects() throws IOException {
        Path empty = Files.createDirectories(temp.resolve("empty"));
        String message = failure(empty);
        assertTrue(message.contains("config.json") && message.contains("params"), message);
    }
}
