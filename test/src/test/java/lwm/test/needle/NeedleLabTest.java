package lwm.test.needle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import javax.imageio.ImageIO;
import lwm.app.engine.EngineSettings;
import lwm.app.engine.Engines;
import lwm.app.ingest.AttachmentEncoder;
import lwm.app.model.DemoModel;
import lwm.app.needle.Haystack;
import lwm.app.needle.NeedleEvent;
import lwm.app.needle.NeedleFiles;
import lwm.app.needle.NeedleGrid;
import lwm.app.needle.NeedleHeatmap;
import lwm.app.needle.NeedleService;
import lwm.app.needle.NeedleSpec;
import lwm.app.needle.NeedleText;
import lwm.app.store.ConversationStore;
import lwm.app.store.NeedleCell;
import lwm.app.store.NeedleRun;
import lwm.engine.generate.CancellationToken;
import lwm.engine.route.EngineRouter;
import lwm.engine.tokenizer.LlamaTokenizer;
import lwm.engine.tokenizer.VisionPrompt;
import lwm.test.ShapeScenes;
import java.awt.Color;
import lwm.test.VisionModel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The needle lab's runs on a real (tiny) model and store: LWM's grid, insertion rule, resume, files in and out. */
@Timeout(300)
class NeedleLabTest {
    @TempDir
    Path dir;

    private Engines engines;
    private ConversationStore store;
    private NeedleService service;
    private AttachmentEncoder encoder;
    private Path haystack;

    @BeforeEach
    void open() throws Exception {
        engines = new Engines(new EngineSettings(VisionModel.assemble(dir.resolve("model")), null, null,
                EngineRouter.Mode.AUTO, 0));
        store = ConversationStore.open(dir.resolve("lab.db"));
        encoder = new AttachmentEncoder(engines, dir.resolve("codes"));
        service = new NeedleService(engines, store.needles(), encoder);
        haystack = DemoModel.locate().resolve("haystack.txt");
    }

    @AfterEach
    void close() {
        encoder.close();
        store.close();
        engines.close();
    }

    @Test
    void theGridIsLwmsLinspace() {
        NeedleGrid grid = NeedleGrid.linear(1000, 10000, 20, 20, 3); // run_eval_needle.sh
        assertArrayEquals(new int[] {1000, 1474, 1947, 2421, 2895, 3368, 3842, 4316, 4789, 5263, 5737, 6211, 6684, 7158,
                7632, 8105, 8579, 9053, 9526, 10000}, grid.contextLengths());
        assertArrayEquals(new int[] {0, 5, 11, 16, 21, 26, 32, 37, 42, 47, 53, 58, 63, 68, 74, 79, 84, 89, 95, 100},
                grid.depthPercents());
        assertArrayEquals(new int[] {0, 11, 22, 33, 44, 56, 67, 78, 89, 100}, NeedleGrid.linear(1000, 10000, 10, 10, 1)
                .depthPercents()); // run_eval_needle_multi.sh
        assertArrayEquals(new int[] {8000}, NeedleGrid.linear(8000, 8000, 4, 3, 1).contextLengths(), "each length once");
    }

    @Test
    void theNeedleGoesRightAfterAFullStopAtItsDepthWithinTheBudget() throws Exception {
        LlamaTokenizer tokenizer = engines.requireTokenizer("test");
        String context = Haystack.read(haystack, tokenizer).context(tokenizer, 0, 1, 1200);
        String needle = NeedleText.needle("Lima", "4242424");
        for (int depth : new int[] {0, 30, 50, 100}) {
            String text = NeedleText.insert(tokenizer, context, needle, depth, 1000);
            int at = text.indexOf("The special magic Lima number is: 4242424");
            assertTrue(at >= 0, "depth " + depth + ": the needle is in the text");
            String before = text.substring(0, at).strip();
            if (depth == 100) {
                assertTrue(text.strip().endsWith("4242424"), "depth 100 appends the needle (LWM's rule)");
            } else {
                assertTrue(depth == 0 ? before.isEmpty() : before.endsWith("."), "depth " + depth + ": ..."
                        + before.substring(Math.max(0, before.length() - 40)));
            }
            assertTrue(tokenizer.encode(text).length <= 1000 + 4, "within the budget: " + tokenizer.encode(text).length);
            double position = (double) tokenizer.encode(text.substring(0, at)).length / tokenizer.encode(text).length;
            assertTrue(position <= depth / 100.0 + 0.02 && position >= depth / 100.0 - 0.15, depth + "% placed at " + position);
        }
    }

    @Test
    void everyCellIsStoredAsItFinishesAndAStoppedRunResumesWithTheRest() throws Exception {
        NeedleSpec spec = new NeedleSpec(NeedleSpec.Kind.SINGLE, NeedleGrid.linear(300, 500, 2, 2, 1), 1, 1, 7, 3, haystack, null);
        NeedleRun run = service.create(spec);
        CancellationToken cancel = new CancellationToken();
        NeedleRun stopped = service.run(run.id(), e -> {
            if (e instanceof NeedleEvent.CellDone) {
                cancel.cancel();
            }
        }, cancel);
        assertEquals(NeedleRun.Status.STOPPED, stopped.status());
        List<NeedleCell> first = store.needles().cells(run.id());
        assertEquals(1, first.size());

        int[] events = {0};
        NeedleRun done = service.run(run.id(), e -> events[0] += e instanceof NeedleEvent.CellDone d && d.total() == 4 ? 1 : 0,
                new CancellationToken());
        assertEquals(NeedleRun.Status.DONE, done.status());
        List<NeedleCell> cells = store.needles().cells(run.id());
        assertEquals(4, cells.size());
        assertEquals(3, events[0], "only the missing cells ran");
        assertEquals(first.get(0), cells.get(0));
        HashSet<String> keys = new HashSet<>();
        cells.forEach(c -> keys.add(c.contextLength() + "/" + c.depthPercent()));
        assertEquals(4, keys.size());
        for (NeedleCell c : cells) {
            assertEquals(NeedleText.question(c.needles().get(0).city()), c.question());
            assertEquals(c.response().contains(c.answers().get(0)), c.correct().get(0), "LWM's substring rule");
            assertTrue(c.answers().get(0).matches("[1-9][0-9]{6}"), c.answers().get(0));
            assertTrue(c.promptTokens() > c.contextLength() - NeedleText.LENGTH_BUFFER - 10
                    && c.promptTokens() <= c.contextLength(), c.promptTokens() + " prompt tokens for " + c.contextLength());
        }

        // The same spec asks the same needles in another run: a cell's needles come from the seed and its key.
        NeedleRun again = service.create(spec);
        service.run(again.id(), e -> {}, new CancellationToken());
        assertEquals(cells.get(0).question(), store.needles().cells(again.id()).get(0).question());
        assertEquals(cells.get(0).answers(), store.needles().cells(again.id()).get(0).answers());

        Path results = dir.resolve("results.json");
        NeedleFiles.writeLwmResults(cells, results);
        JsonNode list = new ObjectMapper().readTree(results.toFile());
        assertEquals(4, list.size());
        for (String key : new String[] {"context_length", "depth_percent", "response", "answer", "correct", "seed"}) {
            assertTrue(list.get(0).has(key), key);
        }
        NeedleHeatmap map = NeedleHeatmap.of(cells);
        Path csv = dir.resolve("heat.csv");
        NeedleFiles.writeCsv(map, csv);
        assertEquals(5, Files.readAllLines(csv).size());
        Path png = dir.resolve("heat.png");
        NeedleFiles.writePng(map, done.title(), "tokens", png);
        assertTrue(ImageIO.read(png.toFile()).getWidth() > 100);

        NeedleRun imported = service.importResults(results);
        assertEquals(cells.stream().map(NeedleCell::value).toList(),
                store.needles().cells(imported.id()).stream().map(NeedleCell::value).toList());
    }

    @Test
    void aMultiNeedleCellHidesNAtDistinctDepthsAndAsksR() throws Exception {
        NeedleSpec spec = new NeedleSpec(NeedleSpec.Kind.MULTI, NeedleGrid.linear(600, 600, 1, 5, 2), 3, 2, 1, 3, haystack, null);
        NeedleRun run = service.create(spec);
        service.run(run.id(), e -> {}, new CancellationToken());
        List<NeedleCell> cells = store.needles().cells(run.id());
        assertEquals(2, cells.size(), "one cell per length and round");
        for (NeedleCell c : cells) {
            assertEquals(-1, c.depthPercent());
            assertEquals(3, c.needles().size());
            assertEquals(3, c.needles().stream().map(NeedleCell.Needle::depthPercent).distinct().count());
            assertEquals(2, c.answers().size());
            assertEquals("What are the special magic numbers for " + c.needles().get(0).city() + ", and "
                    + c.needles().get(1).city() + "?", c.question());
        }
        NeedleHeatmap map = NeedleHeatmap.of(cells);
        assertEquals(1, map.lengths().length);
        int asked = 0;
        for (int[] row : map.runs()) {
            asked += row[0];
        }
        assertEquals(4, asked, "each asked needle counts at its own depth");
    }

    @Test
    void lwmAndNiahResultsAreReadAndBadOnesNamed() throws Exception {
        Path single = write("single.json", """
                [{"context_length": 1000, "depth_percent": 0.0, "response": "It is 1234567.", "answer": "1234567",
                  "correct": true, "seed": 0},
                 {"context_length": 1000, "depth_percent": 0.0, "response": "No idea.", "answer": "7654321",
                  "correct": false, "seed": 1},
                 {"context_length": 2000, "depth_percent": 50.0, "response": "7777777", "answer": "7777777",
                  "correct": true, "seed": 0}]""");
        NeedleHeatmap map = NeedleHeatmap.of(NeedleFiles.read(single).cells());
        assertArrayEquals(new int[] {1000, 2000}, map.lengths());
        assertEquals(0.5, map.mean()[0][0]);
        assertEquals(2, map.runs()[0][0]);
        assertEquals(1.0, map.mean()[1][1]);
        assertTrue(Double.isNaN(map.mean()[1][0]), "a cell never run stays empty");

        Path multi = write("multi.json", """
                [{"context_length": 1000, "needles_info": {"Lima": ["1111111", 0], "Oslo": ["2222222", 56],
                  "Rome": ["3333333", 100]}, "question": "q", "answer": ["2222222", "3333333"],
                  "response": "2222222", "correct": [true, false], "seed": 0}]""");
        NeedleCell cell = NeedleFiles.read(multi).cells().get(0);
        assertEquals(List.of("2222222", "3333333"), cell.answers());
        assertEquals(56, cell.needles().get(0).depthPercent());
        assertEquals(0.5, cell.value());

        Path niah = write("niah.json", """
                {"model": "m", "context_length": 4000, "depth_percent": 25.0, "version": 1,
                 "needle": "The best thing to do in San Francisco is eat a sandwich.", "model_response": "Eat a sandwich.",
                 "score": 7, "test_duration_seconds": 1.5}""");
        assertEquals(0.7, NeedleFiles.read(niah).cells().get(0).value(), 1e-9);

        assertBad(write("broken.json", "[{\"context_length\": 1000, \"depth_percent\": 0"), "broken.json: not JSON");
        assertBad(write("entry.json", "[{\"context_length\": 1000, \"correct\": true}, {\"depth_percent\": 5, \"correct\": true}]"),
                "entry.json: entry 0: 'depth_percent' must be a number");
        assertBad(write("other.json", "{\"hello\": 1}"), "other.json: neither LWM's results list nor a NIAH result");
        assertBad(write("empty.json", "[]"), "empty.json: an empty results list");
        assertBad(write("depth.json", "[{\"context_length\": 1000, \"depth_percent\": 300, \"correct\": true}]"),
                "depth.json: entry 0: depth_percent 300.0 is outside 0..100");
        assertBad(write("score.json", "{\"context_length\": 1, \"depth_percent\": 1, \"model_response\": \"\", \"score\": 11}"),
                "score.json: score 11.0 is outside");
    }

    @Test
    void anEmptyHaystackOrAGridBeyondTheContextIsRefusedBeforeAnythingRuns() throws Exception {
        Path empty = write("empty.txt", "   \n");
        Exception e = assertThrows(IOException.class, () -> service.create(NeedleSpec.single(NeedleGrid.linear(300, 500, 2, 2, 1), 0, empty)));
        assertEquals(empty + ": empty; a haystack needs at least 100 tokens of text", e.getMessage());
        Path binary = dir.resolve("binary.txt");
        Files.write(binary, new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1, 2});
        e = assertThrows(IOException.class, () -> service.create(NeedleSpec.single(NeedleGrid.linear(300, 500, 2, 2, 1), 0, binary)));
        assertTrue(e.getMessage().contains("not UTF-8 text"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> service.create(NeedleSpec.single(NeedleGrid.linear(1000, 40000, 2, 2, 1), 0, haystack)));
        assertTrue(e.getMessage().contains("40000 tokens") && e.getMessage().contains("context of 32768"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> NeedleSpec.single(NeedleGrid.linear(150, 300, 2, 2, 1), 0, haystack));
        assertTrue(e.getMessage().contains("150"), e.getMessage());
        assertTrue(store.needles().runs().isEmpty(), "nothing was recorded");
    }

    @Test
    void aRunCutOffByACrashIsMarkedInterruptedAndResumable() throws Exception {
        Path db = dir.resolve("crash.db");
        long id;
        try (ConversationStore crashed = ConversationStore.open(db)) {
            String spec = NeedleSpec.single(NeedleGrid.linear(300, 300, 1, 1, 1), 0, haystack).toJson();
            id = crashed.needles().create("t", spec, "model", NeedleRun.Status.RUNNING, null).id();
            long other = crashed.needles().create("t", spec, "LWM-Chat-1M", NeedleRun.Status.STOPPED, null).id();
            Exception e = assertThrows(IllegalArgumentException.class, () -> new NeedleService(engines, crashed.needles(),
                    encoder).run(other, ev -> {}, new CancellationToken()));
            assertTrue(e.getMessage().contains("asked of LWM-Chat-1M; the active model is model"), e.getMessage());
        }
        try (ConversationStore reopened = ConversationStore.open(db)) {
            assertEquals(NeedleRun.Status.INTERRUPTED, reopened.needles().run(id).status());
            NeedleRun done = new NeedleService(engines, reopened.needles(), encoder).run(id, e -> {}, new CancellationToken());
            assertEquals(NeedleRun.Status.DONE, done.status());
        }
    }

    @Test
    void aVideoNeedleInsertsThePictureAmongTheClipsFramesAtEachDepth() throws Exception {
        Path clip = ShapeScenes.mp4(dir.resolve("circles.mp4"), new Color(228, 214, 178),
                List.of(new ShapeScenes.Shape(ShapeScenes.Kind.CIRCLE, new Color(30, 60, 220), 40, 128, 60, 4.5, 0)), 40);
        Path picture = ShapeScenes.png(dir.resolve("red-square.png"), new Color(128, 128, 128),
                List.of(ShapeScenes.Shape.still(ShapeScenes.Kind.SQUARE, new Color(220, 20, 30), 128, 128, 110)));
        NeedleSpec.VideoNeedle needle = new NeedleSpec.VideoNeedle(clip, picture, "What color is the square?", "red");
        NeedleRun run = service.create(NeedleSpec.video(NeedleGrid.linear(4, 8, 2, 3, 1), needle));
        service.run(run.id(), e -> {}, new CancellationToken());
        List<NeedleCell> cells = store.needles().cells(run.id());
        assertEquals(6, cells.size());
        LlamaTokenizer tokenizer = engines.requireTokenizer("test");
        for (NeedleCell c : cells) {
            assertEquals("frame " + c.contextLength() * c.depthPercent() / 100, c.needles().get(0).city());
            assertEquals(VisionPrompt.length(tokenizer, "What color is the square?", new int[] {c.contextLength() + 1}),
                    c.promptTokens(), "the clip's frames and the picture");
            assertEquals(c.response().toLowerCase(java.util.Locale.ROOT).contains("red"), c.correct().get(0));
        }
        assertEquals("haystack frames", NeedleService.lengthUnit(store.needles().run(run.id())));

        Exception e = assertThrows(IllegalArgumentException.class,
                () -> service.create(NeedleSpec.video(NeedleGrid.linear(8, 60, 2, 2, 1), needle)));
        assertEquals(clip + ": has 40 frames; the grid asks for up to 60 (lower the largest frame count)", e.getMessage());
        Path longClip = ShapeScenes.mp4(dir.resolve("long.mp4"), new Color(228, 214, 178),
                List.of(new ShapeScenes.Shape(ShapeScenes.Kind.CIRCLE, new Color(30, 60, 220), 40, 128, 60, 0.5, 0)), 210);
        e = assertThrows(IllegalArgumentException.class, () -> service.create(NeedleSpec.video(
                NeedleGrid.linear(8, 200, 2, 2, 1), new NeedleSpec.VideoNeedle(longClip, picture, "What color?", "red"))));
        assertTrue(e.getMessage().contains("200 frames") && e.getMessage().contains("context of 32768"), e.getMessage());
        Path textOnly = Path.of(System.getProperty("lwm.vision.fixtures"), "text-only");
        try (Engines text = new Engines(new EngineSettings(textOnly, null, null, EngineRouter.Mode.AUTO, 0))) {
            e = assertThrows(IllegalArgumentException.class, () -> new NeedleService(text, store.needles(), encoder)
                    .create(NeedleSpec.video(NeedleGrid.linear(4, 8, 2, 3, 1), needle)));
            assertTrue(e.getMessage().contains("needs a vision model"), e.getMessage());
        }
    }

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text, StandardCharsets.UTF_8);
    }

    private static void assertBad(Path file, String start) {
        IOException e = assertThrows(IOException.class, () -> NeedleFiles.read(file));
        assertTrue(e.getMessage().startsWith(file.getParent().resolve(start.substring(0, start.indexOf(':'))) + start.substring(start.indexOf(':'))),
                e.getMessage());
    }
}
