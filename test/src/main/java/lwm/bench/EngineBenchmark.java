package lwm.bench;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import lwm.engine.generate.CancellationToken;
import lwm.engine.generate.GenerationListener;
import lwm.engine.generate.GenerationRequest;
import lwm.engine.generate.GenerationResult;
import lwm.engine.generate.Generator;
import lwm.engine.generate.SamplingParams;
import lwm.engine.model.Head;
import lwm.engine.model.KvCache;
import lwm.engine.model.LlamaConfig;
import lwm.engine.model.LlamaModel;
import lwm.engine.model.LoadedModel;
import lwm.engine.model.ModelLoader;
import lwm.engine.model.Precision;

/**
 * The engine side of test/bench/engine-bench.sh; hf_bench.py is its transformers peer. One measurement group
 * per JVM, one JSON line per metric on stdout.
 *
 * <pre>
 * java -Dai.djl.offline=true -Dai.djl.pytorch.graph_optimizer=false -Dai.djl.pytorch.num_threads=2 \
 *     -cp CLASSPATH lwm.bench.EngineBenchmark --model DIR --label small --dtype f32 --mode decode|prefill|memory
 * </pre>
 *
 * <ul>
 *   <li>decode: {@link Generator} with greedy decoding: prefill --context tokens, then --steps new tokens;
 *       tokens/s of the decode phase.
 *   <li>prefill: one {@link LlamaModel#forward} of --length tokens (logits of the last row only) per --chunks entry
 *       (a chunk size: the prompt runs in forwards of that many tokens).
 *   <li>memory: VmRSS after DJL starts and after loading, then a --length prefill through {@link Generator}
 *       (chunks of --chunk, one new token) and VmHWM at the end.
 * </ul>
 * One warm-up run, then --repeats timed runs; the median is reported.
 */
public final class EngineBenchmark {
    private final Map<String, String> options;

    private EngineBenchmark(Map<String, String> options) {
        this.options = options;
    }

    public static void main(String[] args) throws IOException {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --option value, got " + args[i]);
            }
            options.put(args[i].substring(2), args[i + 1]);
        }
        if (args.length % 2 != 0 || !options.containsKey("model") || !options.containsKey("mode")) {
            System.err.println("usage: EngineBenchmark --model DIR --mode decode|prefill|memory [--label NAME]"
                    + " [--dtype f32|f16] [--repeats 5] [--context 512] [--steps 32] [--length 2048]"
                    + " [--chunks 2048,512] [--chunk 512]");
            System.exit(2);
        }
        new EngineBenchmark(options).run();
    }

    private String option(String name, String fallback) {
        return options.getOrDefault(name, fallback);
    }

    private int intOption(String name, int fallback) {
        return Integer.parseInt(option(name, Integer.toString(fallback)));
    }

    private void run() throws IOException {
        initEngine();
        Map<String, Long> baseline = procStatus();
        Precision precision = Precision.parse(option("dtype", "f32"));
        try (LoadedModel loaded = ModelLoader.load(Path.of(option("model", null)), precision)) {
            Map<String, Long> afterLoad = procStatus();
            LlamaModel model = loaded.model();
            switch (option("mode", null)) {
                case "decode" -> decode(model);
                case "prefill" -> prefill(model);
                case "memory" -> memory(model, baseline, afterLoad);
                default -> throw new IllegalArgumentException("unknown mode " + option("mode", null));
            }
        }
    }

    /** Loads libtorch and runs one op, so the memory baseline includes the native runtime. */
    private static void initEngine() {
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.ones(new Shape(4, 4)).matMul(manager.ones(new Shape(4, 4)));
        }
    }

    private void decode(LlamaModel model) {
        int context = intOption("context", 512);
        int steps = intOption("steps", 32);
        int[] prompt = tokenIds(context, model.config().vocabSize());
        Generator generator = new Generator(model, null);
        GenerationRequest request = GenerationRequest.of(prompt, steps + 1, SamplingParams.greedyDecoding())
                .withEos(-1).withPrefillChunk(context);
        double[] rates = repeat(() -> {
            GenerationResult result = generator.generate(request, GenerationListener.NONE, new CancellationToken());
            return result.stats().decodeTokensPerSecond();
        });
        Map<String, Object> line = line(model, "decode_tps");
        line.put("context", context);
        line.put("steps", steps);
        putRates(line, rates);
        print(line);
    }

    private void prefill(LlamaModel model) {
        int length = intOption("length", 2048);
        int[] prompt = tokenIds(length, model.config().vocabSize());
        for (String chunkText : option("chunks", Integer.toString(length)).split(",")) {
            int chunk = Integer.parseInt(chunkText.trim());
            double[] rates = repeat(() -> {
                try (KvCache cache = model.newCache(length)) {
                    long start = System.nanoTime();
                    for (int from = 0; from < length; from += chunk) {
                        int[] ids = Arrays.copyOfRange(prompt, from, Math.min(length, from + chunk));
                        int[] rows = from + chunk >= length ? new int[] {ids.length - 1} : new int[0];
                        model.forward(cache, ids, null, rows, Head.TEXT);
                    }
                    return length * 1e9 / (System.nanoTime() - start);
                }
            });
            Map<String, Object> line = line(model, "prefill_tps");
            line.put("length", length);
            line.put("chunk", chunk);
            putRates(line, rates);
            print(line);
        }
    }

    private void memory(LlamaModel model, Map<String, Long> baseline, Map<String, Long> afterLoad) {
        int length = intOption("length", 16384);
        int chunk = intOption("chunk", 512);
        int[] prompt = tokenIds(length, model.config().vocabSize());
        GenerationRequest request = GenerationRequest.of(prompt, 1, SamplingParams.greedyDecoding())
                .withEos(-1).withPrefillChunk(chunk);
        long start = System.nanoTime();
        new Generator(model, null).generate(request, GenerationListener.NONE, new CancellationToken());
        double seconds = (System.nanoTime() - start) / 1e9;
        Map<String, Long> end = procStatus();
        LlamaConfig config = model.config();
        Map<String, Object> line = line(model, "memory");
        line.put("length", length);
        line.put("tokens_done", length);
        line.put("chunk", chunk);
        line.put("seconds", seconds);
        line.put("baseline_rss", baseline.get("VmRSS"));
        line.put("loaded_rss", afterLoad.get("VmRSS"));
        line.put("loaded_rss_file", afterLoad.get("RssFile"));
        line.put("end_rss", end.get("VmRSS"));
        line.put("peak_hwm", end.get("VmHWM"));
        line.put("weight_bytes", config.parameterCount() * model.precision().bytesPerParameter());
        line.put("kv_bytes", config.kvBytesPerToken() * (length + 1)); // the Generator's cache: prompt + 1
        line.put("java_heap_committed", Runtime.getRuntime().totalMemory());
        print(line);
    }

    private interface Run {
        double rate();
    }

    private double[] repeat(Run run) {
        run.rate(); // warm-up
        double[] rates = new double[intOption("repeats", 5)];
        for (int i = 0; i < rates.length; i++) {
            rates[i] = run.rate();
        }
        return rates;
    }

    /** The same deterministic ids hf_bench.py uses. */
    static int[] tokenIds(int n, int vocab) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = (int) ((i * 7919L + 13) % (vocab - 3) + 3);
        }
        return ids;
    }

    private Map<String, Object> line(LlamaModel model, String metric) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("side", "java");
        line.put("model", option("label", option("model", null)));
        line.put("dtype", model.precision().name().toLowerCase(java.util.Locale.ROOT));
        line.put("metric", metric);
        line.put("threads", Integer.getInteger("ai.djl.pytorch.num_threads", 0));
        return line;
    }

    private static void putRates(Map<String, Object> line, double[] rates) {
        List<Double> runs = new ArrayList<>();
        for (double r : rates) {
            runs.add(r);
        }
        double[] sorted = rates.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        line.put("runs", runs);
        line.put("median", n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2);
    }

    private static void print(Map<String, Object> line) {
        try {
            System.out.println(new ObjectMapper().writeValueAsString(line));
            System.out.flush();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** VmRSS, VmHWM, RssAnon and RssFile of this process, in bytes. */
    static Map<String, Long> procStatus() {
        Map<String, Long> out = new HashMap<>();
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                int colon = l.indexOf(':');
                if (colon > 0 && List.of("VmRSS", "VmHWM", "RssAnon", "RssFile").contains(l.substring(0, colon))) {
                    out.put(l.substring(0, colon), Long.parseLong(l.substring(colon + 1).trim().split("\\s+")[0]) * 1024);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/self/status", e);
        }
        return out;
    }
}
