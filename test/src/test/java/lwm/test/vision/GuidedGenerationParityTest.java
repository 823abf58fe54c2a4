package lwm.test.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import lwm.engine.generate.CancellationToken;
import lwm.engine.generate.StopReason;
import lwm.engine.imagine.ImagineListener;
import lwm.engine.imagine.ImagineRequest;
import lwm.engine.imagine.ImagineResult;
import lwm.engine.imagine.ModalityParams;
import lwm.engine.imagine.VisionGenerator;
import lwm.engine.model.LoadedModel;
import lwm.engine.model.ModelLoader;
import lwm.engine.model.Precision;
import lwm.engine.tokenizer.GenerationPrompt;
import lwm.engine.tokenizer.LlamaTokenizer;
import org.junit.jupiter.api.Test;

/**
 * LWM's text-to-image and text-to-video sampling (classifier-free guidance, per-modality parameters, the forced
 * delimiter, seeds) against the reference written from reference/lwm.md §4 (test/scripts/lwmref/guided_generation.py):
 * the prompts, the guided logits of every recorded step, and every sampled id.
 */
class GuidedGenerationParityTest {
    static final double TOLERANCE = 1e-4;

    @Test
    void promptsAreLwmsLayoutsTruncatedOnTheLeftTo128Tokens() throws IOException {
        LlamaTokenizer tokenizer = LlamaTokenizer.load(VisionFixtures.tokenizer());
        JsonNode generation = VisionFixtures.golden().get("generation");
        for (JsonNode c : generation.get("cases")) {
            String caption = c.get("caption").asText();
            assertArrayEquals(VisionFixtures.ints(c.get("image_prompt_ids")), GenerationPrompt.image(tokenizer, caption));
            assertArrayEquals(VisionFixtures.ints(c.get("video_prompt_ids")), GenerationPrompt.video(tokenizer, caption));
            assertArrayEquals(VisionFixtures.ints(c.get("unconditional_prompt_ids")), GenerationPrompt.unconditional(tokenizer));
        }
        int[] longPrompt = GenerationPrompt.image(tokenizer, generation.get("long_caption").asText());
        assertEquals(GenerationPrompt.MAX_TOKENS, longPrompt.length);
        assertArrayEquals(VisionFixtures.ints(generation.get("long_caption_image_prompt_ids")), longPrompt);
    }

    @Test
    void guidedLogitsAndSampledIdsMatchTheReference() throws IOException {
        try (LoadedModel loaded = ModelLoader.load(VisionFixtures.model("jax"), Precision.F32)) {
            VisionGenerator generator = new VisionGenerator(loaded.model(), LlamaTokenizer.load(loaded.tokenizerFile()));
            for (JsonNode c : VisionFixtures.golden().get("generation").get("cases")) {
                int[] steps = VisionFixtures.ints(c.get("guided_steps"));
                Map<Integer, float[]> recorded = new HashMap<>();
                List<int[]> framesSeen = new ArrayList<>();
                ImagineListener listener = new ImagineListener() {
                    @Override
                    public void onToken(int step, int total, float[] guided, int id) {
                        recorded.put(step, guided.clone());
                    }

                    @Override
                    public void onFrame(int frame, int[] codes) {
                        framesSeen.add(codes);
                    }
                };
                ImagineRequest request = new ImagineRequest(c.get("caption").asText(), c.get("frames").asInt(),
                        params(c.get("image")), params(c.get("video")), c.get("seed").asLong());
                ImagineResult result = generator.generate(request, listener, new CancellationToken());

                String name = c.get("name").asText();
                assertArrayEquals(VisionFixtures.ints(c.get("ids")), result.ids(), name + ": sampled ids");
                float[][] expected = VisionFixtures.rows(c.get("guided_logits").asText(), steps.length, 8448);
                double error = 0;
                for (int i = 0; i < steps.length; i++) {
                    float[] actual = recorded.get(steps[i]);
                    for (int v = 0; v < actual.length; v++) {
                        error = Math.max(error, Math.abs(actual[v] - expected[i][v]));
                    }
                }
                System.out.printf("guided-parity %s: %d ids equal, %d steps of guided logits, max |Δ| = %.3g%n", name,
                        result.ids().length, steps.length, error);
                assertTrue(error <= TOLERANCE, name + ": max |Δ guided logit| " + error);
                assertEquals(StopReason.MAX_TOKENS, result.stop());
                assertEquals(c.get("frames").asInt(), result.frames().size());
                assertEquals(result.frames().size(), framesSeen.size());
                for (int f = 0; f < framesSeen.size(); f++) {
                    assertArrayEquals(result.frames().get(f), framesSeen.get(f), name + ": frame " + f);
                }
            }
        }
    }

    @Test
    void aCancelledGenerationKeepsTheFramesFinishedSoFar() throws IOException {
        try (LoadedModel loaded = ModelLoader.load(VisionFixtures.model("jax"), Precision.F32)) {
            VisionGenerator generator = new VisionGenerator(loaded.model(), LlamaTokenizer.load(loaded.tokenizerFile()));
            CancellationToken cancel = new CancellationToken();
            ImagineListener stopAfterFirstFrame = new ImagineListener() {
                @Override
                public void onFrame(int frame, int[] codes) {
                    cancel.cancel();
                }
            };
            ImagineResult result = generator.generate(ImagineRequest.of("a boat", 3, 5), stopAfterFirstFrame, cancel);
            assertEquals(StopReason.CANCELLED, result.stop());
            assertEquals(1, result.frames().size());
            assertEquals(257, result.ids().length);
        }
    }

    private static ModalityParams params(JsonNode p) {
        return new ModalityParams((float) p.get("temperature").asDouble(), p.get("top_k").asInt(),
                (float) p.get("cfg_scale").asDouble());
    }
}
