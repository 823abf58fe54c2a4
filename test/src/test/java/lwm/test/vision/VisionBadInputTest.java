package lwm.test.vision;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import lwm.engine.generate.CancellationToken;
import lwm.engine.generate.GenerationListener;
import lwm.engine.generate.GenerationRequest;
import lwm.engine.generate.Generator;
import lwm.engine.generate.SamplingParams;
import lwm.engine.model.Head;
import lwm.engine.model.InvalidModelException;
import lwm.engine.model.KvCache;
import lwm.engine.model.LoadedModel;
import lwm.engine.model.ModelLoader;
import lwm.engine.model.Precision;
import lwm.engine.tokenizer.LlamaTokenizer;
import lwm.engine.tokenizer.VisionPrompt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Vision input the engine must refuse, each with a message that names what is wrong. */
@Timeout(60)
class VisionBadInputTest {
    private static void assertMentions(Throwable e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "'" + part + "' not in: " + e.getMessage());
        }
    }

    @Test
    void codesOutsideTheCodebookAreRejected() throws IOException {
        LlamaTokenizer tokenizer = LlamaTokenizer.load(VisionFixtures.tokenizer());
        VisionFixtures.Sequence s = VisionFixtures.sequences().get(0);
        int[] frame = s.attachments().get(0).get(0).clone();
        frame[255] = 8193;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> VisionPrompt.chat(tokenizer, s.question(), List.of(List.of(frame))));
        assertMentions(e, "attachment 0", "frame 0", "code 255", "8193");
    }

    @Test
    void idsOutsideTheirVocabularyAreRejected() throws IOException {
        try (LoadedModel loaded = ModelLoader.load(VisionFixtures.model("jax"), Precision.F32);
                KvCache cache = loaded.model().newCache(8)) {
            IllegalArgumentException vision = assertThrows(IllegalArgumentException.class, () -> loaded.model()
                    .forward(cache, new int[] {1, 8448}, new boolean[] {false, true}, new int[0], Head.TEXT));
            assertMentions(vision, "8448", "index 1", "vision vocabulary");
            // An id that is fine as a vision code is out of range where the mask says text.
            IllegalArgumentException text = assertThrows(IllegalArgumentException.class, () -> loaded.model()
                    .forward(cache, new int[] {1, 600}, new boolean[] {false, false}, new int[0], Head.TEXT));
            assertMentions(text, "600", "text vocabulary");
        }
    }

    @Test
    void aVisionMaskOnATextOnlyModelIsRejected() throws IOException {
        VisionFixtures.Sequence s = VisionFixtures.sequences().get(0);
        try (LoadedModel loaded = ModelLoader.load(VisionFixtures.model("text-only"), Precision.F32)) {
            Generator generator = new Generator(loaded.model(), null);
            GenerationRequest withMask = GenerationRequest.of(s.ids(), 4, SamplingParams.greedyDecoding())
                    .withVisionMask(s.visionMask());
            assertMentions(assertThrows(IllegalArgumentException.class,
                    () -> generator.generate(withMask, GenerationListener.NONE, new CancellationToken())), "text-only");
            GenerationRequest visionMode = GenerationRequest.of(new int[] {1, 2}, 4, SamplingParams.greedyDecoding())
                    .withSampleMode(Head.VISION);
            assertMentions(assertThrows(IllegalArgumentException.class,
                    () -> generator.generate(visionMode, GenerationListener.NONE, new CancellationToken())), "text-only");
        }
    }

    @Test
    void aMaskOfTheWrongLengthIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GenerationRequest.of(new int[] {1, 2, 3}, 4, SamplingParams.greedyDecoding())
                        .withVisionMask(new boolean[2]));
        assertMentions(e, "2 entries", "3 prompt ids");
    }

    @Test
    void aVisionEmbeddingWithoutVisionHeadNamesBothTensors() {
        for (String model : List.of("no-vision-head-jax", "no-vision-head-safetensors")) {
            Path dir = VisionFixtures.model(model);
            InvalidModelException e = assertThrows(InvalidModelException.class,
                    () -> ModelLoader.load(dir, Precision.F32));
            assertMentions(e, dir.toString(), "transformer/vte/embedding", "vision_head/kernel", "missing");
        }
    }
}
