package lwm.test.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.stream.Stream;
import lwm.engine.generate.CancellationToken;
import lwm.engine.generate.GenerationListener;
import lwm.engine.generate.GenerationRequest;
import lwm.engine.generate.GenerationResult;
import lwm.engine.generate.Generator;
import lwm.engine.generate.SamplingParams;
import lwm.engine.model.Head;
import lwm.engine.model.LlamaConfig;
import lwm.engine.model.LoadedModel;
import lwm.engine.model.ModelLoader;
import lwm.engine.model.Precision;
import lwm.engine.tokenizer.LlamaTokenizer;
import lwm.engine.tokenizer.PromptBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Java engine on LWM's vision model against the independent numpy reference: logits of both heads at every
 * position, greedy answers in text sample mode and a continuation in vision sample mode, from every file form.
 */
class VisionParityTest {
    /** F32 tolerance: absolute, on every logit of every position. */
    static final double TOLERANCE = 1e-4;
    /** Prefill chunk of the parity runs: small, so chunks split vision blocks and carry partial masks. */
    static final int CHUNK = 100;

    static Stream<String> formats() {
        return Stream.of("jax", "safetensors", "safetensors-layers");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("formats")
    void logitsOfBothHeadsMatchTheReference(String format) throws IOException {
        try (LoadedModel loaded = ModelLoader.load(VisionFixtures.model(format), Precision.F32)) {
            for (VisionFixtures.Sequence s : VisionFixtures.sequences()) {
                for (Head head : Head.values()) {
                    String name = head == Head.TEXT ? "text" : "vision";
                    float[][] actual = MixedLogits.all(loaded.model(), s.ids(), s.visionMask(), head, CHUNK);
                    double error = MixedLogits.maxAbsDiff(actual, s.logits(name));
                    System.out.printf("vision-parity %s %s %s head: %d positions, max |Δlogit| = %.3g%n", format,
                            s.name(), name, actual.length, error);
                    assertTrue(error <= TOLERANCE, format + "/" + s.name() + "/" + name + ": max |Δlogit| " + error);
                }
            }
        }
    }

    @Test
    void everyFileFormGivesBitIdenticalLogits() throws IOException {
        VisionFixtures.Sequence s = VisionFixtures.sequences().get(2); // two attachments: the longest
        float[][][] reference = null;
        for (String format : formats().toList()) {
            try (LoadedModel loaded = ModelLoader.load(VisionFixtures.model(format), Precision.F32)) {
                float[][][] logits = {
                    MixedLogits.all(loaded.model(), s.ids(), s.visionMask(), Head.TEXT, CHUNK),
                    MixedLogits.all(loaded.model(), s.ids(), s.visionMask(), Head.VISION, CHUNK)};
                if (reference == null) {
                    reference = logits;
                    continue;
                }
                for (int h = 0; h < 2; h++) {
                    for (int r = 0; r < logits[h].length; r++) {
                        assertArrayEquals(reference[h][r], logits[h][r], 0f, format + " head " + h + " row " + r);
                    }
                }
            }
        }
    }

    @Test
    void configurationComesFromTheTree() throws IOException {
        JsonNode expected = VisionFixtures.golden().get("config");
        for (String format : formats().toList()) {
            try (LoadedModel loaded = ModelLoader.load(VisionFixtures.model(format), Precision.F32)) {
                LlamaConfig config = loaded.model().config();
                assertEquals(expected.get("vision_vocab_size").asInt(), config.visionVocabSize(), format);
                assertEquals(expected.get("vocab_size").asInt(), config.vocabSize(), format);
                assertEquals(expected.get("num_hidden_layers").asInt(), config.numLayers(), format);
                assertEquals(expected.get("intermediate_size").asInt(), config.intermediateSize(), format);
                assertEquals(expected.get("rope_theta").asDouble(), config.ropeTheta(), format);
                assertEquals(format.equals("jax") ? ModelLoader.Format.JAX_PARAMS : ModelLoader.Format.JAX_SAFETENSORS,
                        loaded.format());
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("formats")
    void greedyAnswersMatchTheReference(String format) throws IOException {
        try (LoadedModel loaded = ModelLoader.load(VisionFixtures.model(format), Precision.F32)) {
            LlamaTokenizer tokenizer = LlamaTokenizer.load(loaded.tokenizerFile());
            Generator generator = new Generator(loaded.model(), tokenizer::newStreamingDecoder);
            for (VisionFixtures.Sequence s : VisionFixtures.sequences()) {
                int[] expected = s.answer();
                GenerationRequest request = GenerationRequest.of(s.ids(), expected.length,
                        SamplingParams.greedyDecoding()).withVisionMask(s.visionMask()).withPrefillChunk(CHUNK);
                GenerationResult result = generator.generate(request, GenerationListener.NONE, new CancellationToken());
                assertArrayEquals(expected, result.generatedIds(), format + "/" + s.name());
                assertEquals(tokenizer.decode(expected), result.text(), format + "/" + s.name());
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("formats")
    void visionSampleModeFeedsTokensThroughTheVisionEmbedding(String format) throws IOException {
        JsonNode golden = VisionFixtures.golden().get("vision_decode");
        int[] expected = VisionFixtures.ints(golden.get("generated_ids"));
        try (LoadedModel loaded = ModelLoader.load(VisionFixtures.model(format), Precision.F32)) {
            LlamaTokenizer tokenizer = LlamaTokenizer.load(loaded.tokenizerFile());
            int[] prompt = new PromptBuilder(tokenizer).text(golden.get("prompt_text").asText()).build();
            assertArrayEquals(VisionFixtures.ints(golden.get("prompt_ids")), prompt);
            // Vision ids may be 2, the text EOS: in vision mode only the length ends generation.
            GenerationRequest request = GenerationRequest.of(prompt, expected.length, SamplingParams.greedyDecoding())
                    .withSampleMode(Head.VISION).withEos(-1);
            GenerationResult result = new Generator(loaded.model(), tokenizer::newStreamingDecoder)
                    .generate(request, GenerationListener.NONE, new CancellationToken());
            assertArrayEquals(expected, result.generatedIds(), format);
            assertNull(result.text(), "vision ids are not decoded as text");
        }
    }
}
