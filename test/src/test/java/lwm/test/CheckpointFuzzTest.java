package lwm.test;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import lwm.app.model.DemoModel;
import lwm.engine.model.LoadedModel;
import lwm.engine.model.ModelLoader;
import lwm.engine.model.Precision;
import lwm.engine.tokenizer.LlamaTokenizer;
import lwm.engine.vqgan.VqganWeights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Damaged model files, made by mutating the real fixtures (written by Python: safetensors, torch.save, LWM's Jax
 * streaming params (text and vision trees) and its lwm_config.json, the Jax tree as safetensors, HF config.json, the demo model's pickled VQGAN and the SentencePiece
 * tokenizer), read as the app reads a model directory: planned ({@code footprint}) and then loaded. Each must load or
 * be refused with one line naming the file.
 */
class CheckpointFuzzTest {
    private static final int RUNS = 300;

    @TempDir
    Path temp;

    /** The real model directories of the fixtures, and the file of each that is damaged. */
    static Stream<Arguments> modelFiles() {
        String vision = System.getProperty("lwm.vision.fixtures");
        Path visionJax = vision == null ? null : Path.of(vision, "jax");
        Path visionSafetensors = vision == null ? null : Path.of(vision, "safetensors");
        return Stream.of(
                Arguments.of("text hf-f32", Fixtures.model("s2x64", "hf-f32"), "model.safetensors"),
                Arguments.of("text hf-bf16", Fixtures.model("s2x64", "hf-bf16"), "model.safetensors"),
                Arguments.of("text hf-f32", Fixtures.model("s2x64", "hf-f32"), "config.json"),
                Arguments.of("text bin", Fixtures.model("s2x64", "bin"), "pytorch_model.bin"),
                Arguments.of("text jax", Fixtures.model("s2x64", "jax"), "params"),
                Arguments.of("text jax", Fixtures.model("s2x64", "jax"), "lwm_config.json"),
                Arguments.of("vision jax", visionJax, "params"),
                Arguments.of("vision jax safetensors", visionSafetensors, "params.safetensors"));
    }

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("modelFiles")
    void damagedModelFilesAreLoadedOrRefusedNamingTheFile(String label, Path source, String file) throws Exception {
        assumeTrue(source != null && Files.isDirectory(source), "fixtures not generated (run through Maven)");
        Path dir = copy(source, temp.resolve("model"));
        loadModel(dir);
        Fuzz.Outcome outcome = new Fuzz((label + file).hashCode()).run(source.resolve(file), dir.resolve(file), 0,
                RUNS, mutated -> loadModel(mutated.getParent()), List.of(IOException.class));
        report(label + " " + file, outcome);
    }

    @Test
    void damagedVqganIsLoadedOrRefusedNamingTheFile() throws Exception {
        Path original = DemoModel.locate().resolve("vqgan");
        VqganWeights.load(original, Precision.F32).close();
        Fuzz.Outcome outcome = new Fuzz(8192).run(original, temp.resolve("vqgan"), 0, 300,
                mutated -> VqganWeights.load(mutated, Precision.F32).close(), List.of(IOException.class));
        report("demo vqgan", outcome);
    }

    @Test
    void damagedTokenizerIsReadOrRefusedNamingTheFile() throws Exception {
        Path original = Fixtures.model("s2x64", "hf-f32").resolve("tokenizer.model");
        LlamaTokenizer.load(original);
        Fuzz.Outcome outcome = new Fuzz(32000).run(original, temp.resolve("tokenizer.model"), 0, 1000,
                mutated -> LlamaTokenizer.load(mutated).encode("The special magic Paris number is: 1234567"),
                List.of(IOException.class));
        report("tokenizer.model", outcome);
    }

    private static void loadModel(Path dir) throws IOException {
        ModelLoader.footprint(dir);
        try (LoadedModel model = ModelLoader.load(dir, Precision.F32)) {
            model.model().config();
        }
    }

    private static void report(String target, Fuzz.Outcome outcome) {
        System.out.println("fuzz " + target + ": " + outcome);
        assertTrue(outcome.refused() > 0, "the mutations never reached the parser: " + outcome);
    }

    private static Path copy(Path source, Path target) throws IOException {
        Files.createDirectories(target);
        try (var files = Files.list(source)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, target.resolve(f.getFileName()));
            }
        }
        return target;
    }
}
