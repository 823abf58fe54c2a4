package lwm.app.needle;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;

/**
 * What a needle run asks: one needle per cell (LWM's {@code eval_needle.py}) or N needles of which R are asked
 * ({@code eval_needle_multi.py}), over a grid of context lengths in a haystack file; or a video needle (a picture
 * inserted among a clip's frames and asked about, as LongVA's V-NIAH), over a grid of frame counts. Answers are
 * greedy, at most {@code maxNewTokens}.
 *
 * @param haystack the text file of SINGLE and MULTI runs
 * @param video the clip, picture and question of a VIDEO run
 */
public record NeedleSpec(Kind kind, NeedleGrid grid, int needles, int retrieve, long seed, int maxNewTokens,
                         Path haystack, VideoNeedle video) {
    public enum Kind { SINGLE, MULTI, VIDEO }

    /**
     * A video needle: {@code image} goes among the frames of {@code clip} at each depth; the response must contain
     * {@code answer} (case aside).
     */
    public record VideoNeedle(Path clip, Path image, String question, String answer) {
        public VideoNeedle {
            if (question == null || question.isBlank() || answer == null || answer.isBlank()) {
                throw new IllegalArgumentException("a video needle needs a question and the answer to look for");
            }
        }
    }

    /** LWM's answers are short; its scripts allow a whole block (1024), which only costs time when a model rambles. */
    public static final int DEFAULT_MAX_NEW_TOKENS = 64;

    private static final ObjectMapper JSON = new ObjectMapper();

    public NeedleSpec {
        if (kind != Kind.MULTI && (needles != 1 || retrieve != 1)) {
            throw new IllegalArgumentException("a single-needle run hides and asks one needle");
        }
        if (kind == Kind.VIDEO && grid.rounds() != 1) {
            throw new IllegalArgumentException("a video needle has one round: the clip's frames do not change");
        }
        if ((kind == Kind.VIDEO) != (video != null)) {
            throw new IllegalArgumentException(kind == Kind.VIDEO ? "a video needle run needs a clip and a picture"
                    : "only a video needle run takes a clip");
        }
        for (int length : grid.contextLengths()) {
            if (kind != Kind.VIDEO && length <= NeedleText.LENGTH_BUFFER) {
                throw new IllegalArgumentException("context length " + length + " leaves no room for the document: "
                        + "the question and answer take " + NeedleText.LENGTH_BUFFER + " tokens");
            }
        }
        if (needles < 1 || retrieve < 1 || retrieve > needles) {
            throw new IllegalArgumentException("asks for " + retrieve + " of " + needles + " needles; ask 1.." + needles);
        }
        if (needles > NeedleText.CITIES.size()) {
            throw new IllegalArgumentException(needles + " needles, but there are " + NeedleText.CITIES.size() + " cities");
        }
        if (kind == Kind.MULTI && needles > grid.depthPercents().length) {
            throw new IllegalArgumentException(needles + " needles need as many distinct depths; the grid has "
                    + grid.depthPercents().length);
        }
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("max new tokens must be >= 1, got " + maxNewTokens);
        }
    }

    public static NeedleSpec single(NeedleGrid grid, long seed, Path haystack) {
        return new NeedleSpec(Kind.SINGLE, grid, 1, 1, seed, DEFAULT_MAX_NEW_TOKENS, haystack, null);
    }

    public static NeedleSpec multi(NeedleGrid grid, int needles, int retrieve, long seed, Path haystack) {
        return new NeedleSpec(Kind.MULTI, grid, needles, retrieve, seed, DEFAULT_MAX_NEW_TOKENS, haystack, null);
    }

    /** A video needle over a grid whose lengths are counts of the clip's frames. */
    public static NeedleSpec video(NeedleGrid frames, VideoNeedle needle) {
        return new NeedleSpec(Kind.VIDEO, frames, 1, 1, 0, DEFAULT_MAX_NEW_TOKENS, null, needle);
    }

    public NeedleSpec withHaystack(Path file) {
        return new NeedleSpec(kind, grid, needles, retrieve, seed, maxNewTokens, file, video);
    }

    /** What the grid's lengths count: tokens, or the clip's frames. */
    public String lengthUnit() {
        return kind == Kind.VIDEO ? "haystack frames" : "tokens";
    }

    /** Cells of the run: lengths × depths × rounds, or lengths × rounds for multi-needle runs. */
    public int cellCount() {
        int depths = kind == Kind.MULTI ? 1 : grid.depthPercents().length;
        return grid.contextLengths().length * depths * grid.rounds();
    }

    public String toJson() {
        ObjectNode json = JSON.createObjectNode().put("kind", kind.name().toLowerCase(java.util.Locale.ROOT));
        for (int v : grid.contextLengths()) {
            json.withArray("context_lengths").add(v);
        }
        for (int v : grid.depthPercents()) {
            json.withArray("depth_percents").add(v);
        }
        json.put("rounds", grid.rounds()).put("needles", needles).put("retrieve", retrieve).put("seed", seed)
                .put("max_new_tokens", maxNewTokens).put("haystack", haystack == null ? null : haystack.toString());
        if (video != null) {
            json.putObject("video").put("clip", video.clip().toString()).put("image", video.image().toString())
                    .put("question", video.question()).put("answer", video.answer());
        }
        return json.toString();
    }

    public static NeedleSpec fromJson(String text) {
        try {
            JsonNode json = JSON.readTree(text);
            NeedleGrid grid = new NeedleGrid(ints(json.get("context_lengths")), ints(json.get("depth_percents")),
                    json.get("rounds").asInt());
            JsonNode haystack = json.get("haystack");
            JsonNode v = json.get("video");
            VideoNeedle video = v == null ? null : new VideoNeedle(Path.of(v.get("clip").asText()),
                    Path.of(v.get("image").asText()), v.get("question").asText(), v.get("answer").asText());
            return new NeedleSpec(Kind.valueOf(json.get("kind").asText().toUpperCase(java.util.Locale.ROOT)), grid,
                    json.get("needles").asInt(), json.get("retrieve").asInt(), json.get("seed").asLong(),
                    json.get("max_new_tokens").asInt(), haystack == null || haystack.isNull() ? null : Path.of(haystack.asText()),
                    video);
        } catch (JsonProcessingException | RuntimeException e) {
            throw new IllegalArgumentException("unreadable needle spec: " + e.getMessage(), e);
        }
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }
}
