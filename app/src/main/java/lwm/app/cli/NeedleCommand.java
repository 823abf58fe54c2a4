package lwm.app.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import lwm.app.engine.Engines;
import lwm.app.ingest.AttachmentEncoder;
import lwm.app.needle.NeedleEvent;
import lwm.app.needle.NeedleFiles;
import lwm.app.needle.NeedleGrid;
import lwm.app.needle.NeedleHeatmap;
import lwm.app.needle.NeedleService;
import lwm.app.needle.NeedleSpec;
import lwm.app.store.ConversationStore;
import lwm.app.store.NeedleCell;
import lwm.app.store.NeedleRun;
import lwm.app.workspace.Workspace;
import lwm.engine.generate.CancellationToken;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code lwm needle}: LWM's needle-in-a-haystack retrieval over a grid, resumable, with LWM's results file. */
@Command(name = "needle", mixinStandardHelpOptions = true,
        description = "Hide LWM's 'special magic number' needles in a document and ask for them, over context lengths "
                + "× depths × rounds; every cell is stored as it finishes (the desktop's needle lab shows the run).")
final class NeedleCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions modelOptions = new ModelOptions();

    @Mixin
    BackendOptions backendOptions = new BackendOptions();

    @Option(names = "--haystack", paramLabel = "FILE", description = "UTF-8 text to hide the needles in (default: the "
            + "model's haystack.txt, which the demo model has).")
    Path haystack;

    @Option(names = "--min", paramLabel = "N", description = "Shortest context in tokens (default 1000), or with "
            + "--video fewest frames (default 8).")
    Integer min;

    @Option(names = "--max", paramLabel = "N", description = "Longest context in tokens (default 4000), or with "
            + "--video most frames (default 32).")
    Integer max;

    @Option(names = "--video", paramLabel = "FILE", description = "A video needle: the clip whose frames are the "
            + "haystack (with --needle-image, --question, --answer).")
    Path video;

    @Option(names = "--needle-image", paramLabel = "FILE", description = "The picture inserted among the frames.")
    Path needleImage;

    @Option(names = "--question", paramLabel = "TEXT", description = "What is asked about the picture.")
    String question;

    @Option(names = "--answer", paramLabel = "TEXT", description = "What the response must contain (case aside).")
    String answer;

    @Option(names = "--lengths", paramLabel = "N", defaultValue = "4", description = "Context lengths, linear from min to max (default: ${DEFAULT-VALUE}).")
    int lengths;

    @Option(names = "--depths", paramLabel = "N", defaultValue = "5", description = "Depths, linear from 0 to 100 % (default: ${DEFAULT-VALUE}).")
    int depths;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "1", description = "Rounds per cell (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--needles", paramLabel = "N", defaultValue = "1", description = "Needles per cell; more than 1 is "
            + "LWM's multi-needle eval (default: ${DEFAULT-VALUE}).")
    int needles;

    @Option(names = "--retrieve", paramLabel = "R", description = "How many of the needles are asked (default: all).")
    Integer retrieve;

    @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "64", description = "Longest answer (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Seed of the needles (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--resume", paramLabel = "RUN", description = "Go on with a stored run (its own grid and haystack).")
    Long resume;

    @Option(names = "--import", paramLabel = "FILE", description = "Read LWM's results.json or a NIAH result file "
            + "instead of running (then export it with --results, --csv or --heatmap).")
    Path importFile;

    @Option(names = "--results", paramLabel = "FILE", description = "Write LWM's results.json list.")
    Path results;

    @Option(names = "--csv", paramLabel = "FILE", description = "Write the heatmap as CSV (length, depth, score, runs).")
    Path csv;

    @Option(names = "--heatmap", paramLabel = "FILE", description = "Draw the heatmap as PNG.")
    Path heatmap;

    @Option(names = "--data", paramLabel = "DIR", description = "The desktop's data folder, whose store keeps the run "
            + "(default: ~/.local/share/lwm-desktop).")
    Path data = Workspace.defaultDataDir();

    @Option(names = "--json", description = "Print one JSON object (the run, its overall score, every cell) at the end.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        try (Engines engines = new Engines(backendOptions.settings(modelOptions));
                ConversationStore store = ConversationStore.open(data.resolve("conversations.db"));
                AttachmentEncoder encoder = new AttachmentEncoder(engines, AttachmentEncoder.defaultCacheDir())) {
            NeedleService service = new NeedleService(engines, store.needles(), encoder);
            NeedleRun run;
            if (importFile != null) {
                run = service.importResults(importFile);
            } else {
                long id = resume != null ? resume : service.create(spec(service)).id();
                run = service.run(id, event -> progress(err, event), new CancellationToken());
            }
            err.println();
            List<NeedleCell> cells = store.needles().cells(run.id());
            NeedleHeatmap map = NeedleHeatmap.of(cells);
            if (results != null) {
                NeedleFiles.writeLwmResults(cells, results);
            }
            if (csv != null) {
                NeedleFiles.writeCsv(map, csv);
            }
            if (heatmap != null) {
                NeedleFiles.writePng(map, run.title(), NeedleService.lengthUnit(run), heatmap);
            }
            if (json) {
                spec.commandLine().getOut().println(json(run, map, cells));
            } else {
                err.printf(Locale.ROOT, "run %d: %s; %d cells, score %.2f%n", run.id(), run.status().name().toLowerCase(Locale.ROOT),
                        cells.size(), map.overall());
            }
        }
        return 0;
    }

    private NeedleSpec spec(NeedleService service) {
        if (video != null) {
            if (needleImage == null) {
                throw new IllegalArgumentException("--video needs --needle-image, --question and --answer");
            }
            NeedleGrid frames = NeedleGrid.linear(min != null ? min : 8, max != null ? max : 32, lengths, depths, 1);
            NeedleSpec.VideoNeedle needle = new NeedleSpec.VideoNeedle(video, needleImage, question, answer);
            return new NeedleSpec(NeedleSpec.Kind.VIDEO, frames, 1, 1, seed, maxNewTokens, null, needle);
        }
        Path file = haystack != null ? haystack : service.defaultHaystack();
        if (file == null) {
            throw new IllegalArgumentException("no haystack: give --haystack FILE (the model has no haystack.txt)");
        }
        NeedleGrid grid = NeedleGrid.linear(min != null ? min : 1000, max != null ? max : 4000, lengths, depths, rounds);
        int asked = retrieve != null ? retrieve : needles;
        return new NeedleSpec(needles == 1 ? NeedleSpec.Kind.SINGLE : NeedleSpec.Kind.MULTI, grid, needles, asked, seed,
                maxNewTokens, file, null);
    }

    private static void progress(PrintWriter err, NeedleEvent event) {
        if (event instanceof NeedleEvent.CellDone d) {
            NeedleCell c = d.cell();
            err.printf(Locale.ROOT, "\rcell %d/%d · %d%s · %s · %s ", d.done(), d.total(), c.contextLength(),
                    c.depthPercent() >= 0 ? " at " + c.depthPercent() + " %" : "",
                    c.correct().stream().allMatch(b -> b) ? "found" : "missed",
                    d.eta().isZero() ? "" : Math.round(d.eta().toMillis() / 1000.0) + " s left");
            err.flush();
        }
    }

    private static String json(NeedleRun run, NeedleHeatmap map, List<NeedleCell> cells) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode node = mapper.createObjectNode().put("run", run.id()).put("title", run.title())
                .put("status", run.status().name().toLowerCase(Locale.ROOT)).put("cells", cells.size());
        node.put("score", map.overall());
        var list = node.putArray("results");
        for (NeedleCell c : cells) {
            ObjectNode e = list.addObject().put("context_length", c.contextLength()).put("depth_percent", c.depthPercent())
                    .put("seed", c.round()).put("question", c.question()).put("response", c.response())
                    .put("score", c.value()).put("prompt_tokens", c.promptTokens());
            c.answers().forEach(e.putArray("answer")::add);
            c.correct().forEach(e.putArray("correct")::add);
        }
        return mapper.writeValueAsString(node);
    }
}
