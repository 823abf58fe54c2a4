package lwm.app.needle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;
import lwm.app.engine.Engines;
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

/**
 * The needle lab: LWM's single- and multi-needle retrieval (reference/lwm.md §5) over a grid, each cell routed like
 * any request (this machine or the backend), answered greedily, scored by LWM's substring rule and stored as it
 * finishes, so that a run resumes after a stop or a crash with the cells it lacks. A cell's needles come from the
 * run's seed and the cell's key, so a resumed cell asks what it would have asked.
 */
public final class NeedleService {
    private final Engines engines;
    private final NeedleStore store;

    public NeedleService(Engines engines, NeedleStore store) {
        this.engines = engines;
        this.store = store;
    }

    public NeedleStore store() {
        return store;
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
        String kind = spec.kind() == NeedleSpec.Kind.SINGLE ? "Single needle"
                : "Multi needle (" + spec.retrieve() + " of " + spec.needles() + ")";
        String title = kind + ", " + spec.grid().contextLengths()[0] + "–" + spec.grid().maxLength() + " tokens, "
                + spec.haystack().getFileName();
        return store.create(title, spec.toJson(), engines.modelDir().getFileName().toString(), NeedleRun.Status.STOPPED, null);
    }

    private Haystack check(NeedleSpec spec) throws IOException {
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

    /** Asks every cell of {@code runId} not stored yet; stops between cells when cancelled. */
    public NeedleRun run(long runId, Consumer<NeedleEvent> listener, CancellationToken cancel) throws IOException {
        NeedleRun run = Objects.requireNonNull(store.run(runId), "needle run " + runId + " not found");
        if (run.status() == NeedleRun.Status.IMPORTED) {
            throw new IllegalArgumentException("run " + runId + " was imported from " + run.source() + "; it cannot be run");
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
        try {
            for (int[] cell : todo) {
                if (cancel.isCancelled()) {
                    store.status(runId, NeedleRun.Status.STOPPED);
                    return store.run(runId);
                }
                listener.accept(new NeedleEvent.CellStarted(cell[0], cell[1], cell[2], done, total));
                NeedleCell result = ask(spec, haystack, tokenizer, cell[0], cell[1], cell[2], cancel);
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
        int[] depths = spec.kind() == NeedleSpec.Kind.SINGLE ? spec.grid().depthPercents() : new int[] {-1};
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
        GenerationRequest request = GenerationRequest.of(ids, spec.maxNewTokens(), SamplingParams.greedyDecoding())
                .withEos(tokenizer.eos());
        GenerationResult result = engines.choose(ids.length, spec.maxNewTokens()).generate(request, GenerationListener.NONE,
                cancel);
        if (result.stopReason() == StopReason.CANCELLED) {
            return null;
        }
        String response = result.text() == null ? "" : result.text().strip();
        List<Boolean> correct = asked.stream().map(n -> response.contains(n.number())).toList();
        return new NeedleCell(length, depth, round, question, needles, asked.stream().map(NeedleCell.Needle::number).toList(),
                response, correct, -1, ids.length, (System.nanoTime() - start) / 1_000_000);
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
        NeedleRun run = store.create(imported.format() + ": " + file.getFileName(), "{}", "imported",
                NeedleRun.Status.IMPORTED, file.toString());
        for (NeedleCell cell : imported.cells()) {
            store.put(run.id(), cell);
        }
        return run;
    }
}
