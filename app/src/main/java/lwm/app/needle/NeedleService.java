package lwm.app.needle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;
import lwm.app.engine.Engines;
import lwm.app.ingest.AttachmentEncoder;
import lwm.app.ingest.CachedCodes;
import lwm.app.store.NeedleCell;
import lwm.app.store.NeedleRun;
import lwm.app.store.NeedleStore;
import lwm.engine.generate.CancellationToken;
import lwm.engine.generate.GenerationListener;
import lwm.engine.generate.GenerationRequest;
import lwm.engine.generate.GenerationResult;
import lwm.engine.generate.SamplingParams;
import lwm.engine.generate.StopReason;
import lwm.engine.tokenizer.LlamaTokenizer;
import lwm.engine.tokenizer.PromptBuilder;
import lwm.engine.tokenizer.VisionPrompt;
import lwm.engine.tokenizer.VisionTokens;
import lwm.engine.route.Route;
import lwm.media.MediaProbe;
import lwm.media.SamplingPolicy;

/**
 * The needle lab: LWM's single- and multi-needle retrieval (reference/lwm.md §5) over a grid, each cell routed like
 * any request (this machine or the backend), answered greedily, scored by LWM's substring rule and stored as it
 * finishes, so that a run resumes after a stop or a crash with the cells it lacks. A cell's needles come from the
 * run's seed and the cell's key, so a resumed cell asks what it would have asked.
 */
public final class NeedleService {
    private final Engines engines;
    private final NeedleStore store;
    private final AttachmentEncoder encoder;

    /** @param encoder turns a video needle's clip and picture into VQGAN codes; null refuses video needles */
    public NeedleService(Engines engines, NeedleStore store, AttachmentEncoder encoder) {
        this.engines = engines;
        this.store = store;
        this.encoder = encoder;
    }

    public NeedleStore store() {
        return store;
    }

    /** What a run's lengths count ("tokens", "haystack frames"); imported runs count tokens. */
    public static String lengthUnit(NeedleRun run) {
        if (run == null || run.status() == NeedleRun.Status.IMPORTED) {
            return "tokens";
        }
        try {
            return NeedleSpec.fromJson(run.spec()).lengthUnit();
        } catch (IllegalArgumentException e) {
            return "tokens"; // an unreadable spec is reported when the run is resumed
        }
    }

    /** The haystack a run uses when none is chosen: the model's own {@code haystack.txt} (the demo model has one). */
    public Path defaultHaystack() {
        Path bundled = engines.modelDir().resolve("haystack.txt");
        return Files.isRegularFile(bundled) ? bundled : null;
    }

    /**
     * Checks {@code spec} against the haystack and the model (every length must fit the context and a route) and
     * records a new run; nothing is asked yet.
     */
    public NeedleRun create(NeedleSpec spec) throws IOException {
        check(spec);
        String kind = switch (spec.kind()) {
            case SINGLE -> "Single needle";
            case MULTI -> "Multi needle (" + spec.retrieve() + " of " + spec.needles() + ")";
            case VIDEO -> "Video needle";
        };
        Path source = spec.kind() == NeedleSpec.Kind.VIDEO ? spec.video().clip() : spec.haystack();
        String title = kind + ", " + spec.grid().contextLengths()[0] + "–" + spec.grid().maxLength() + " "
                + spec.lengthUnit() + ", " + source.getFileName();
        return store.create(title, spec.toJson(), engines.modelDir().getFileName().toString(), NeedleRun.Status.STOPPED, null);
    }

    private Haystack check(NeedleSpec spec) throws IOException {
        if (spec.kind() == NeedleSpec.Kind.VIDEO) {
            checkVideo(spec);
            return null;
        }
        if (spec.haystack() == null) {
            throw new IllegalArgumentException("no haystack: choose a text file to hide the needles in");
        }
        LlamaTokenizer tokenizer = engines.requireTokenizer("the needle lab");
        Haystack haystack = Haystack.read(spec.haystack(), tokenizer);
        long context = engines.footprint().maxSequenceLength();
        long longest = spec.grid().maxLength() + (long) spec.maxNewTokens();
        if (longest > context) {
            throw new IllegalArgumentException("the grid's longest context, " + spec.grid().maxLength() + " tokens, and "
                    + spec.maxNewTokens() + " answer tokens exceed this model's context of " + context + " tokens "
                    + "(max_sequence_length); lower the longest context to " + (context - spec.maxNewTokens()));
        }
        engines.decide(spec.grid().maxLength(), spec.maxNewTokens()); // says where it would not fit, and why
        return haystack;
    }

    /** A video needle: both files there, a vision model, and the longest clip within the context and a route. */
    private void checkVideo(NeedleSpec spec) {
        NeedleSpec.VideoNeedle v = spec.video();
        for (Path file : new Path[] {v.clip(), v.image()}) {
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException(file + ": not found");
            }
        }
        long clipFrames = MediaProbe.probe(v.clip()).frameCount();
        if (spec.grid().maxLength() > clipFrames) {
            throw new IllegalArgumentException(v.clip() + ": has " + clipFrames + " frames; the grid asks for up to "
                    + spec.grid().maxLength() + " (lower the largest frame count)");
        }
        if (encoder == null || !engines.footprint().vision()) {
            throw new IllegalArgumentException("a video needle needs a vision model (LWM-Chat, with its VQGAN); "
                    + engines.modelDir() + " is text-only");
        }
        LlamaTokenizer tokenizer = engines.requireTokenizer("the needle lab");
        long tokens = VisionPrompt.length(tokenizer, v.question(), new int[] {spec.grid().maxLength() + 1});
        long context = engines.footprint().maxSequenceLength();
        if (tokens + spec.maxNewTokens() > context) {
            throw new IllegalArgumentException("the grid's longest clip, " + spec.grid().maxLength() + " frames and the "
                    + "needle (" + tokens + " tokens), with " + spec.maxNewTokens() + " answer tokens exceeds this model's "
                    + "context of " + context + " tokens; lower the largest frame count to "
                    + ((context - spec.maxNewTokens() - 64) / VisionTokens.TOKENS_PER_FRAME - 1));
        }
        engines.decide(tokens, spec.maxNewTokens());
    }

    /** Asks every cell of {@code runId} not stored yet; stops between cells when cancelled. */
    public NeedleRun run(long runId, Consumer<NeedleEvent> listener, CancellationToken cancel) throws IOException {
        NeedleRun run = Objects.requireNonNull(store.run(runId), "needle run " + runId + " not found");
        if (run.status() == NeedleRun.Status.IMPORTED) {
            throw new IllegalArgumentException("run " + runId + " was imported from " + run.source() + "; it cannot be run");
        }
        String model = engines.modelDir().getFileName().toString();
        if (!run.model().equals(model)) {
            throw new IllegalArgumentException("run " + runId + " was asked of " + run.model() + "; the active model is "
                    + model + ", and one heatmap must come from one model (switch back, or start a new run)");
        }
        NeedleSpec spec = NeedleSpec.fromJson(run.spec());
        Haystack haystack = check(spec);
        LlamaTokenizer tokenizer = engines.requireTokenizer("the needle lab");
        Set<String> finished = new HashSet<>();
        store.cells(runId).forEach(c -> finished.add(key(c.contextLength(), c.depthPercent(), c.round())));
        List<int[]> todo = new ArrayList<>();
        for (int[] cell : cells(spec)) {
            if (!finished.contains(key(cell[0], cell[1], cell[2]))) {
                todo.add(cell);
            }
        }
        int total = spec.cellCount();
        int done = total - todo.size();
        store.status(runId, NeedleRun.Status.RUNNING);
        long start = System.nanoTime();
        int ranHere = 0;
        Map<Integer, CachedCodes> videoCodes = new HashMap<>(); // by frame count (0: the picture), hashed once a run
        try {
            for (int[] cell : todo) {
                if (cancel.isCancelled()) {
                    store.status(runId, NeedleRun.Status.STOPPED);
                    return store.run(runId);
                }
                listener.accept(new NeedleEvent.CellStarted(cell[0], cell[1], cell[2], done, total));
                NeedleCell result = spec.kind() == NeedleSpec.Kind.VIDEO ? askVideo(spec, tokenizer, cell[0], cell[1], videoCodes, cancel)
                        : ask(spec, haystack, tokenizer, cell[0], cell[1], cell[2], cancel);
                if (result == null) {
                    store.status(runId, NeedleRun.Status.STOPPED);
                    return store.run(runId);
                }
                store.put(runId, result);
                done++;
                ranHere++;
                long elapsed = System.nanoTime() - start;
                long eta = elapsed / ranHere * (total - done);
                listener.accept(new NeedleEvent.CellDone(result, done, total, Duration.ofNanos(elapsed), Duration.ofNanos(eta)));
            }
            store.status(runId, NeedleRun.Status.DONE);
        } catch (IOException | RuntimeException e) {
            store.status(runId, NeedleRun.Status.FAILED);
            throw e;
        }
        return store.run(runId);
    }

    /** The cells of a spec in LWM's order: (length, depth, round), depth -1 for multi-needle cells. */
    static List<int[]> cells(NeedleSpec spec) {
        List<int[]> out = new ArrayList<>();
        int[] depths = spec.kind() == NeedleSpec.Kind.MULTI ? new int[] {-1} : spec.grid().depthPercents();
        for (int length : spec.grid().contextLengths()) {
            for (int depth : depths) {
                for (int round = 0; round < spec.grid().rounds(); round++) {
                    out.add(new int[] {length, depth, round});
                }
            }
        }
        return out;
    }

    private static String key(int length, int depth, int round) {
        return length + "/" + depth + "/" + round;
    }

    /** One cell: the document with its needles, the question, the greedy answer and its score; null if cancelled. */
    private NeedleCell ask(NeedleSpec spec, Haystack haystack, LlamaTokenizer tokenizer, int length, int depth, int round,
            CancellationToken cancel) throws IOException {
        Random random = new Random(Objects.hash(spec.seed(), length, depth, round));
        List<NeedleCell.Needle> needles = needles(spec, random, depth);
        List<NeedleCell.Needle> asked = needles.subList(0, spec.retrieve());
        String context = haystack.context(tokenizer, round, spec.grid().rounds(), length);
        int budget = length - NeedleText.LENGTH_BUFFER;
        for (NeedleCell.Needle n : needles) { // inserted one after another, as LWM does
            context = NeedleText.insert(tokenizer, context, NeedleText.needle(n.city(), n.number()), n.depthPercent(), budget);
        }
        String question;
        String prompt;
        if (spec.kind() == NeedleSpec.Kind.SINGLE) {
            question = NeedleText.question(asked.get(0).city());
            prompt = NeedleText.prompt(context, question);
        } else {
            question = NeedleText.multiQuestion(asked.stream().map(NeedleCell.Needle::city).toList());
            prompt = NeedleText.multiPrompt(context, question);
        }
        int[] ids = new PromptBuilder(tokenizer).text(prompt).build();
        long start = System.nanoTime();
        String response = answer(GenerationRequest.of(ids, spec.maxNewTokens(), SamplingParams.greedyDecoding())
                .withEos(tokenizer.eos()), cancel);
        if (response == null) {
            return null;
        }
        List<Boolean> correct = asked.stream().map(n -> response.contains(n.number())).toList();
        return new NeedleCell(length, depth, round, question, needles, asked.stream().map(NeedleCell.Needle::number).toList(),
                response, correct, -1, ids.length, (System.nanoTime() - start) / 1_000_000);
    }

    /** The greedy answer to a prompt, routed like any request; null when cancelled. */
    private String answer(GenerationRequest request, CancellationToken cancel) throws IOException {
        GenerationResult result = engines.choose(request.promptIds().length, request.maxNewTokens())
                .generate(request, GenerationListener.NONE, cancel);
        if (result.stopReason() == StopReason.CANCELLED) {
            return null;
        }
        return result.text() == null ? "" : result.text().strip();
    }

    /**
     * One video cell (LongVA's V-NIAH): {@code frames} frames of the clip by LWM's sampling, the picture inserted at
     * {@code int(depth · frames)}, the question asked in LWM's vision-chat layout; the codes of both are encoded (or
     * read from the code cache) once a run, kept in {@code codes}.
     */
    private NeedleCell askVideo(NeedleSpec spec, LlamaTokenizer tokenizer, int frames, int depth,
            Map<Integer, CachedCodes> codes, CancellationToken cancel) throws IOException {
        NeedleSpec.VideoNeedle v = spec.video();
        long start = System.nanoTime();
        long tokens = VisionPrompt.length(tokenizer, v.question(), new int[] {frames + 1});
        Route route = engines.decide(tokens, spec.maxNewTokens()).route();
        if (!codes.containsKey(frames)) {
            codes.put(frames, encoder.encode(v.clip(), SamplingPolicy.lwm(frames), route, e -> {}, cancel));
        }
        if (!codes.containsKey(0)) {
            codes.put(0, encoder.encode(v.image(), SamplingPolicy.lwm(1), route, e -> {}, cancel));
        }
        if (cancel.isCancelled()) {
            codes.clear(); // what a cancelled encoding returned is not kept
            return null;
        }
        CachedCodes clip = codes.get(frames);
        CachedCodes picture = codes.get(0);
        List<int[]> sequence = new ArrayList<>(java.util.Arrays.asList(clip.codes()));
        int at = (int) ((long) sequence.size() * depth / 100);
        sequence.add(at, picture.codes()[0]);
        VisionPrompt prompt = VisionPrompt.chat(tokenizer, v.question(), List.of(sequence));
        String response = answer(GenerationRequest.of(prompt.ids(), spec.maxNewTokens(), SamplingParams.greedyDecoding())
                .withEos(tokenizer.eos()).withVisionMask(prompt.visionMask()), cancel);
        if (response == null) {
            return null;
        }
        boolean found = response.toLowerCase(Locale.ROOT).contains(v.answer().toLowerCase(Locale.ROOT));
        return new NeedleCell(frames, depth, 0, v.question(),
                List.of(new NeedleCell.Needle("frame " + at, v.answer(), depth)), List.of(v.answer()), response,
                List.of(found), -1, prompt.ids().length, (System.nanoTime() - start) / 1_000_000);
    }

    /**
     * The cell's needles: distinct cities, 7-digit numbers, distinct depths for multi; the first {@code retrieve} are
     * asked (a random subset, as LWM's {@code random.sample}, since the cities are shuffled).
     */
    private static List<NeedleCell.Needle> needles(NeedleSpec spec, Random random, int depth) {
        List<String> cities = new ArrayList<>(NeedleText.CITIES);
        java.util.Collections.shuffle(cities, random);
        List<Integer> depths = new ArrayList<>();
        for (int d : spec.grid().depthPercents()) {
            depths.add(d);
        }
        java.util.Collections.shuffle(depths, random);
        List<NeedleCell.Needle> out = new ArrayList<>();
        for (int i = 0; i < spec.needles(); i++) {
            String number = Integer.toString(1_000_000 + random.nextInt(9_000_000));
            out.add(new NeedleCell.Needle(cities.get(i), number, depth >= 0 ? depth : depths.get(i)));
        }
        return out;
    }

    /** Reads a results file (LWM's results.json, a NIAH result) into a new run that can be viewed and exported. */
    public NeedleRun importResults(Path file) throws IOException {
        NeedleFiles.Imported imported = NeedleFiles.read(file);
        return store.createWithCells(imported.format() + ": " + file.getFileName(), "{}", "imported",
                NeedleRun.Status.IMPORTED, file.toString(), imported.cells());
    }
}
