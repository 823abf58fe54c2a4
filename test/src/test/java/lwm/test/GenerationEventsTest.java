package lwm.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import lwm.engine.generate.CancellationToken;
import lwm.engine.generate.GenerationEvent;
import lwm.engine.generate.GenerationRequest;
import lwm.engine.generate.GenerationResult;
import lwm.engine.generate.Generator;
import lwm.engine.generate.SamplingParams;
import lwm.engine.generate.StopReason;
import lwm.engine.model.LoadedModel;
import lwm.engine.model.ModelLoader;
import lwm.engine.model.Precision;
import org.junit.jupiter.api.Test;

/** The streaming API: progress, tokens, done, cancellation. */
class GenerationEventsTest {
    @Test
    void reportsProgressTokensAndDoneInOrder() throws IOException {
        Fixtures.Golden golden = Fixtures.golden("s2x64");
        try (LoadedModel loaded = ModelLoader.load(Fixtures.model("s2x64", "hf-f32"), Precision.F32)) {
            List<GenerationEvent> events = new ArrayList<>();
            GenerationRequest request = GenerationRequest.of(golden.promptIds("len3000"), 5,
                    SamplingParams.greedyDecoding()).withPrefillChunk(1000).withEos(-1);
            GenerationResult result = new Generator(loaded.model(), null).generate(request, events::add,
                    new CancellationToken());

            List<Integer> processed = new ArrayList<>();
            for (GenerationEvent e : events) {
                if (e instanceof GenerationEvent.PrefillProgress) {
                    GenerationEvent.PrefillProgress p = (GenerationEvent.PrefillProgress) e;
                    assertEquals(3000, p.total());
                    processed.add(p.processed());
                }
            }
            assertEquals(List.of(1000, 2000, 3000), processed);
            assertEquals(5, events.stream().filter(e -> e instanceof GenerationEvent.TokenGenerated).count());
            GenerationEvent last = events.get(events.size() - 1);
            assertInstanceOf(GenerationEvent.Finished.class, last);
            assertEquals(StopReason.MAX_TOKENS, result.stopReason());
            assertEquals(3000, result.stats().promptTokens());
            assertTrue(result.stats().prefillTokensPerSecond() > 0);
            assertTrue(result.stats().decodeTokensPerSecond() > 0);
        }
    }

    @Test
    void cancellingDuringPrefillStopsBeforeTheNextChunk() throws IOException {
        Fixtures.Golden golden = Fixtures.golden("s2x64");
        try (LoadedModel loaded = ModelLoader.load(Fixtures.model("s2x64", "hf-f32"), Precision.F32)) {
            CancellationToken cancel = new CancellationToken();
            List<Integer> processed = new ArrayList<>();
            GenerationRequest request = GenerationRequest.of(golden.promptIds("len3000"), 5,
                    SamplingParams.greedyDecoding()).withPrefillChunk(500);
            GenerationResult result = new Generator(loaded.model(), null).generate(request, e -> {
                if (e instanceof GenerationEvent.PrefillProgress) {
                    processed.add(((GenerationEvent.PrefillProgress) e).processed());
                    cancel.cancel();
                }
            }, cancel);
            assertEquals(List.of(500), processed);
            assertEquals(StopReason.CANCELLED, result.stopReason());
            assertEquals(0, result.generatedIds().length);
        }
    }

    @Test
    void cancellingDuringDecodeStopsAfterTheCurrentToken() throws IOException {
        Fixtures.Golden golden = Fixtures.golden("s2x64");
        try (LoadedModel loaded = ModelLoader.load(Fixtures.model("s2x64", "hf-f32"), Precision.F32)) {
            CancellationToken cancel = new CancellationToken();
            GenerationRequest request = GenerationRequest.of(golden.promptIds("len17"), 50,
                    SamplingParams.greedyDecoding()).withEos(-1);
            GenerationResult result = new Generator(loaded.model(), null).generate(request, e -> {
                if (e instanceof GenerationEvent.TokenGenerated && ((GenerationEvent.TokenGenerated) e).index() == 2) {
                    cancel.cancel();
                }
            }, cancel);
            assertEquals(StopReason.CANCELLED, result.stopReason());
            assertEquals(3, result.generatedIds().length);
        }
    }

    @Test
    void stopsAtEndOfSequence() throws IOException {
        Fixtures.Golden golden = Fixtures.golden("s2x64");
        int[] prompt = Fixtures.ints(golden.json().get("greedy").get("prompt_ids"));
        int[] expected = Fixtures.ints(golden.json().get("greedy").get("generated_ids"));
        try (LoadedModel loaded = ModelLoader.load(Fixtures.model("s2x64", "hf-f32"), Precision.F32)) {
            // Treat the golden's fourth token as end of sequence: generation must stop right there.
            GenerationRequest request = GenerationRequest.of(prompt, 64, SamplingParams.greedyDecoding())
                    .withEos(expected[3]);
            GenerationResult result = new Generator(loaded.model(), null).generate(request, e -> {},
                    new CancellationToken());
            assertEquals(StopReason.END_OF_SEQUENCE, result.stopReason());
            int firstEos = 0;
            while (expected[firstEos] != expected[3]) {
                firstEos++;
            }
            assertEquals(firstEos + 1, result.generatedIds().length);
        }
    }
}
