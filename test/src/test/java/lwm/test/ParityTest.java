package lwm.test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import lwm.engine.generate.CancellationToken;
import lwm.engine.generate.GenerationListener;
import lwm.engine.generate.GenerationRequest;
import lwm.engine.generate.GenerationResult;
import lwm.engine.generate.Generator;
import lwm.engine.generate.SamplingParams;
import lwm.engine.model.LoadedModel;
import lwm.engine.model.ModelLoader;
import lwm.engine.model.Precision;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The Java engine against HF transformers' golden logits, in every checkpoint format. */
class ParityTest {
    /** F32 tolerance the issue sets: absolute, on every logit of every sampled position. */
    static final double F32_TOLERANCE = 1e-4;

    static Stream<Arguments> shapesAndFormats() {
        List<Arguments> out = new ArrayList<>();
        for (String shape : Fixtures.SHAPES) {
            for (String format : Fixtures.EXACT_FORMATS) {
                out.add(Arguments.of(shape, format));
            }
        }
        return out.stream();
    }

    static Stream<String> shapes() {
        return Fixtures.SHAPES.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("shapesAndFormats")
    void f32LogitsMatchTransformers(String shape, String format) throws IOException {
        Fixtures.Golden golden = Fixtures.golden(shape);
        try (LoadedModel loaded = ModelLoader.load(Fixtures.model(shape, format), Precision.F32)) {
            for (String name : golden.caseNames()) {
                float[][] actual = Logits.at(loaded.model(), golden.promptIds(name), golden.positions(name), 512);
                double error = Logits.maxAbsDiff(actual, golden.logits(name));
                System.out.printf("parity %s %s %s: max |Δlogit| = %.3g%n", shape, format, name, error);
                assertTrue(error <= F32_TOLERANCE, shape + "/" + format + "/" + name + ": max |Δlogit| " + error);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void everyFormatLoadsToIdenticalLogits(String shape) throws IOException {
        Fixtures.Golden golden = Fixtures.golden(shape);
        float[][] reference = null;
        for (String format : Fixtures.EXACT_FORMATS) {
            try (LoadedModel loaded = ModelLoader.load(Fixtures.model(shape, format), Precision.F32)) {
                float[][] logits = Logits.at(loaded.model(), golden.promptIds("len17"), golden.positions("len17"), 512);
                if (reference == null) {
                    reference = logits;
                } else {
                    for (int r = 0; r < logits.length; r++) {
                        assertArrayEquals(reference[r], logits[r], 0f, shape + "/" + format + " row " + r);
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void greedyTokensMatchTransformers(String shape) throws IOException {
        Fixtures.Golden golden = Fixtures.golden(shape);
        int[] prompt = Fixtures.ints(golden.json().get("greedy").get("prompt_ids"));
        int[] expected = Fixtures.ints(golden.json().get("greedy").get("generated_ids"));
        for (String format : List.of("hf-f32", "jax")) {
            try (LoadedModel loaded = ModelLoader.load(Fixtures.model(shape, format), Precision.F32)) {
                GenerationRequest request = GenerationRequest.of(prompt, expected.length, SamplingParams.greedyDecoding())
                        .withEos(-1);
                GenerationResult result = new Generator(loaded.model(), null)
                        .generate(request, GenerationListener.NONE, new CancellationToken());
                assertArrayEquals(expected, result.generatedIds(), shape + "/" + format);
            }
        }
    }

    /**
     * F16 weights: each weight is rounded to 11 significant bits (relative error ≤ 2⁻¹¹ ≈ 4.9e-4), activations and
     * accumulations stay F32. A logit is a sum over the hidden size of products whose rounding errors are
     * independent, so its error grows like √hidden × |w|·|x| × 4.9e-4 and compounds mildly over the few layers;
     * for these models that is about 1e-3 of the logit range. The bound is 1% of the largest |logit|, ten times
     * that estimate, far below the logit gaps greedy decoding depends on here.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void f16LogitsStayWithinRoundingBound(String shape) throws IOException {
        Fixtures.Golden golden = Fixtures.golden(shape);
        float[][] expected = golden.logits("len17");
        double bound = 0.01 * Logits.maxAbs(expected);
        for (String format : List.of("hf-f32", "hf-f16", "jax")) {
            try (LoadedModel loaded = ModelLoader.load(Fixtures.model(shape, format), Precision.F16)) {
                float[][] actual = Logits.at(loaded.model(), golden.promptIds("len17"), golden.positions("len17"), 512);
                double error = Logits.maxAbsDiff(actual, expected);
                System.out.printf("parity-f16 %s %s: max |Δlogit| = %.3g (bound %.3g)%n", shape, format, error, bound);
                assertTrue(error <= bound, shape + "/" + format + " F16: max |Δlogit| " + error + " > " + bound);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void chunkedPrefillMatchesOneChunk(String shape) throws IOException {
        Fixtures.Golden golden = Fixtures.golden(shape);
        int[] ids = golden.promptIds("len3000");
        int[] positions = golden.positions("len3000");
        try (LoadedModel loaded = ModelLoader.load(Fixtures.model(shape, "hf-f32"), Precision.F32)) {
            float[][] oneChunk = Logits.at(loaded.model(), ids, positions, ids.length);
            for (int chunk : new int[] {1000, 333, 64}) {
                float[][] chunked = Logits.at(loaded.model(), ids, positions, chunk);
                double error = Logits.maxAbsDiff(chunked, oneChunk);
                assertTrue(error <= 1e-5, shape + " chunk " + chunk + ": max |Δlogit| " + error);
            }
            loaded.model().useTiledAttention(100);
            double error = Logits.maxAbsDiff(Logits.at(loaded.model(), ids, positions, 700), oneChunk);
            assertTrue(error <= 1e-5, shape + " tiled attention, key block 100: max |Δlogit| " + error);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void sameSeedGivesSameSample(String shape) throws IOException {
        Fixtures.Golden golden = Fixtures.golden(shape);
        try (LoadedModel loaded = ModelLoader.load(Fixtures.model(shape, "hf-f32"), Precision.F32)) {
            Generator generator = new Generator(loaded.model(), null);
            GenerationRequest request = GenerationRequest.of(golden.promptIds("len17"), 24,
                    SamplingParams.sampling(1.0f, 40, 0.95f, 7)).withEos(-1);
            int[] first = generator.generate(request, GenerationListener.NONE, new CancellationToken()).generatedIds();
            int[] second = generator.generate(request, GenerationListener.NONE, new CancellationToken()).generatedIds();
            assertArrayEquals(first, second);
            assertEquals(24, first.length);
        }
    }
}
