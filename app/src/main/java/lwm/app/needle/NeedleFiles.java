package lwm.app.needle;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import lwm.app.settings.AtomicFiles;
import lwm.app.store.NeedleCell;

/**
 * Needle results as files: LWM's {@code results.json} (a list of entries, reference/lwm.md §5.2-§5.3), a CSV of
 * the heatmap, the heatmap as PNG; and reading LWM's results and the NIAH project's per-cell files back.
 */
public final class NeedleFiles {
    /** A results file larger than this is not read (a 20×20×3 LWM run is well under 1 MB). */
    static final long MAX_RESULTS_BYTES = 64L << 20;

    private static final ObjectMapper JSON = new ObjectMapper();

    private NeedleFiles() {}

    // ------------------------------------------------------------------ writing

    public static void writeLwmResults(List<NeedleCell> cells, Path file) throws IOException {
        ArrayNode list = JSON.createArrayNode();
        for (NeedleCell cell : cells) {
            ObjectNode entry = list.addObject().put("context_length", cell.contextLength());
            if (cell.depthPercent() >= 0) {
                entry.put("depth_percent", (double) cell.depthPercent()).put("response", cell.response())
                        .put("answer", cell.answers().get(0)).put("correct", cell.correct().get(0));
            } else {
                ObjectNode info = entry.putObject("needles_info");
                for (NeedleCell.Needle n : cell.needles()) {
                    info.putArray(n.city()).add(n.number()).add(n.depthPercent());
                }
                entry.put("question", cell.question());
                cell.answers().forEach(entry.putArray("answer")::add);
                entry.put("response", cell.response());
                cell.correct().forEach(entry.putArray("correct")::add);
            }
            entry.put("seed", cell.round());
        }
        AtomicFiles.write(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(list).getBytes(StandardCharsets.UTF_8));
    }

    public static void writeCsv(NeedleHeatmap map, Path file) throws IOException {
        StringBuilder csv = new StringBuilder("context_length,depth_percent,score,runs\n");
        for (int d = 0; d < map.depths().length; d++) {
            for (int l = 0; l < map.lengths().length; l++) {
                if (map.runs()[d][l] > 0) {
                    csv.append(map.lengths()[l]).append(',').append(map.depths()[d]).append(',')
                            .append(String.format(Locale.ROOT, "%.4f", map.mean()[d][l])).append(',')
                            .append(map.runs()[d][l]).append('\n');
                }
            }
        }
        AtomicFiles.write(file, csv.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The heatmap drawn as the NIAH notebooks draw it: depth down, length across, a colour bar labelled Score. */
    /** @param unit what the lengths count ("tokens", "haystack frames") */
    public static void writePng(NeedleHeatmap map, String title, String unit, Path file) throws IOException {
        int cell = 40;
        int left = 90;
        int top = 50;
        Font titleFont = new Font(Font.SANS_SERIF, Font.BOLD, 14);
        BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        int titleWidth = probe.createGraphics().getFontMetrics(titleFont).stringWidth(title);
        int width = Math.max(left + Math.max(1, map.lengths().length) * cell + 110, left + titleWidth + 20);
        int height = top + Math.max(1, map.depths().length) * cell + 80;
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.DARK_GRAY);
        g.setFont(titleFont);
        g.drawString(title, left, 25);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        for (int d = 0; d < map.depths().length; d++) {
            for (int l = 0; l < map.lengths().length; l++) {
                int x = left + l * cell;
                int y = top + d * cell;
                boolean ran = map.runs()[d][l] > 0;
                g.setColor(ran ? new Color(NeedleHeatmap.color(map.mean()[d][l])) : new Color(0xEEEEEE));
                g.fillRect(x, y, cell, cell);
                g.setColor(Color.WHITE);
                g.setStroke(new BasicStroke(1));
                g.drawRect(x, y, cell, cell);
            }
            g.setColor(Color.DARK_GRAY);
            g.drawString(map.depths()[d] + "%", left - 40, top + d * cell + cell / 2 + 4);
        }
        for (int l = 0; l < map.lengths().length; l++) {
            String label = map.lengths()[l] >= 1000 ? (map.lengths()[l] / 100) / 10.0 + "K" : Integer.toString(map.lengths()[l]);
            g.drawString(label, left + l * cell + 4, top + map.depths().length * cell + 16);
        }
        g.drawString("Context length (" + unit + ")", left, top + map.depths().length * cell + 40);
        g.rotate(-Math.PI / 2);
        g.drawString("Depth percent", -(top + map.depths().length * cell / 2 + 40), 20);
        g.rotate(Math.PI / 2);
        int barX = left + map.lengths().length * cell + 30;
        int barH = Math.max(1, map.depths().length) * cell;
        for (int y = 0; y < barH; y++) {
            g.setColor(new Color(NeedleHeatmap.color(1 - y / (double) barH)));
            g.drawLine(barX, top + y, barX + 16, top + y);
        }
        g.setColor(Color.DARK_GRAY);
        g.drawString("1", barX + 22, top + 10);
        g.drawString("0", barX + 22, top + barH);
        g.drawString("Score", barX - 4, top + barH + 16);
        g.dispose();
        java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
        ImageIO.write(image, "png", png);
        AtomicFiles.write(file, png.toByteArray());
    }

    // ------------------------------------------------------------------ reading

    /** What a results file held: its cells, and which format it was. */
    public record Imported(List<NeedleCell> cells, String format) {}

    /**
     * Reads LWM's {@code results.json} (single or multi needle) or one of the NIAH project's per-cell result files.
     *
     * @throws IOException naming the file, and the entry, when it is neither
     */
    public static Imported read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": not found");
        }
        if (Files.size(file) > MAX_RESULTS_BYTES) {
            throw new IOException(file + ": " + Files.size(file) + " bytes; needle results files are at most "
                    + MAX_RESULTS_BYTES + " bytes");
        }
        JsonNode json;
        try {
            // decoded here, strictly: Jackson would guess UTF-16 or UTF-32 from damaged leading bytes
            json = JSON.readTree(StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(Files.readAllBytes(file)))
                    .toString());
        } catch (CharacterCodingException e) {
            throw new IOException(file + ": not UTF-8 text, so not a JSON results file", e);
        } catch (JsonProcessingException e) {
            throw new IOException(file + ": not JSON (" + e.getOriginalMessage() + ")", e);
        }
        if (json != null && json.isArray()) {
            List<NeedleCell> cells = new ArrayList<>();
            for (int i = 0; i < json.size(); i++) {
                cells.add(lwmEntry(file, i, json.get(i)));
            }
            if (cells.isEmpty()) {
                throw new IOException(file + ": an empty results list");
            }
            return new Imported(cells, "LWM results");
        }
        if (json != null && json.isObject() && json.has("model_response") && json.has("score")) {
            return new Imported(List.of(niahCell(file, json)), "NIAH result");
        }
        throw new IOException(file + ": neither LWM's results list nor a NIAH result file (an object with "
                + "context_length, depth_percent, model_response and score)");
    }

    private static NeedleCell lwmEntry(Path file, int index, JsonNode e) throws IOException {
        String where = file + ": entry " + index;
        if (e == null || !e.isObject()) {
            throw new IOException(where + " is not an object");
        }
        int length = requiredInt(e, "context_length", where);
        int round = e.has("seed") ? e.get("seed").asInt() : 0;
        String response = e.path("response").asText("");
        JsonNode correct = e.get("correct");
        if (correct == null) {
            throw new IOException(where + ": no 'correct'");
        }
        if (correct.isBoolean()) {
            int depth = depthPercent(e, where);
            String answer = e.path("answer").asText("");
            return new NeedleCell(length, depth, round, "", List.of(new NeedleCell.Needle("", answer, depth)),
                    List.of(answer), response, List.of(correct.asBoolean()), -1, 0, 0);
        }
        JsonNode info = e.get("needles_info");
        JsonNode answers = e.get("answer");
        if (!correct.isArray() || info == null || !info.isObject() || answers == null || !answers.isArray()
                || answers.size() != correct.size()) {
            throw new IOException(where + ": a multi-needle entry needs needles_info, and answer and correct lists of "
                    + "the same length");
        }
        List<NeedleCell.Needle> asked = new ArrayList<>();
        List<NeedleCell.Needle> others = new ArrayList<>();
        List<String> answerList = new ArrayList<>();
        answers.forEach(a -> answerList.add(a.asText()));
        var fields = info.fields();
        while (fields.hasNext()) {
            var field = fields.next();
            JsonNode v = field.getValue();
            if (!v.isArray() || v.size() != 2 || !v.get(1).isNumber()) {
                throw new IOException(where + ": needles_info." + field.getKey() + " must be [number, depth]");
            }
            double at = v.get(1).asDouble();
            if (!(at >= 0 && at <= 100)) {
                throw new IOException(where + ": needles_info." + field.getKey() + " has depth " + at + ", outside 0..100");
            }
            NeedleCell.Needle n = new NeedleCell.Needle(field.getKey(), v.get(0).asText(), (int) Math.round(at));
            (answerList.contains(n.number()) ? asked : others).add(n);
        }
        asked.sort(java.util.Comparator.comparingInt(n -> answerList.indexOf(n.number())));
        if (asked.size() != answerList.size()) {
            throw new IOException(where + ": an answer is not among needles_info's numbers");
        }
        asked.addAll(others);
        List<Boolean> correctList = new ArrayList<>();
        correct.forEach(c -> correctList.add(c.asBoolean()));
        return new NeedleCell(length, -1, round, e.path("question").asText(""), asked, answerList, response, correctList,
                -1, 0, 0);
    }

    private static NeedleCell niahCell(Path file, JsonNode e) throws IOException {
        String where = file.toString();
        int length = requiredInt(e, "context_length", where);
        int depth = depthPercent(e, where);
        double score = requiredNumber(e, "score", where);
        if (score < 0 || score > 10) {
            throw new IOException(where + ": score " + score + " is outside the judge's 0..10");
        }
        String needle = e.path("needle").asText("");
        return new NeedleCell(length, depth, 0, "", List.of(new NeedleCell.Needle("", needle, depth)), List.of(needle),
                e.path("model_response").asText(""), List.of(score >= 10), score, 0,
                (long) (e.path("test_duration_seconds").asDouble(0) * 1000));
    }

    private static int depthPercent(JsonNode e, String where) throws IOException {
        double depth = requiredNumber(e, "depth_percent", where);
        if (depth < 0 || depth > 100) {
            throw new IOException(where + ": depth_percent " + depth + " is outside 0..100");
        }
        return (int) Math.round(depth);
    }

    private static int requiredInt(JsonNode e, String key, String where) throws IOException {
        JsonNode v = e.get(key);
        if (v == null || !v.canConvertToInt() || v.asInt() <= 0) {
            throw new IOException(where + ": '" + key + "' must be a positive whole number");
        }
        return v.asInt();
    }

    private static double requiredNumber(JsonNode e, String key, String where) throws IOException {
        JsonNode v = e.get(key);
        if (v == null || !v.isNumber() || !Double.isFinite(v.asDouble())) {
            throw new IOException(where + ": '" + key + "' must be a number");
        }
        return v.asDouble();
    }
}
