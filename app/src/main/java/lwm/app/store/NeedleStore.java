package lwm.app.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import lwm.app.store.NeedleRun.Status;

/**
 * Needle runs and their cells (tables {@code needle_runs}, {@code needle_cells}). Each cell is committed as it
 * finishes, keyed by (length, depth, round) as LWM's resume key, so a run stopped or killed resumes where it was.
 */
public final class NeedleStore {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SqliteFile sql;

    NeedleStore(SqliteFile sql) {
        this.sql = sql;
        if (sql.sole) { // running rows of another process are its own
            sql.update("UPDATE needle_runs SET status = ? WHERE status = ?", Status.INTERRUPTED.name(), Status.RUNNING.name());
        }
    }

    public NeedleRun create(String title, String spec, String model, Status status, String source) {
        return createWithCells(title, spec, model, status, source, List.of());
    }

    /** A run and its cells in one transaction: an import that fails leaves nothing behind. */
    public NeedleRun createWithCells(String title, String spec, String model, Status status, String source,
            List<NeedleCell> cells) {
        long now = System.currentTimeMillis();
        long id = sql.write(() -> {
            try (PreparedStatement p = sql.db.prepareStatement("INSERT INTO needle_runs (title, spec, model, status, source, "
                    + "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)", Statement.RETURN_GENERATED_KEYS)) {
                p.setString(1, title);
                p.setString(2, spec);
                p.setString(3, model);
                p.setString(4, status.name());
                p.setString(5, source);
                p.setLong(6, now);
                p.setLong(7, now);
                p.executeUpdate();
                long runId = SqliteFile.generatedKey(p);
                for (NeedleCell cell : cells) {
                    insert(runId, cell);
                }
                return runId;
            }
        });
        return new NeedleRun(id, title, spec, model, status, source, Instant.ofEpochMilli(now));
    }

    public void status(long runId, Status status) {
        sql.update("UPDATE needle_runs SET status = ?, updated_at = ? WHERE id = ?", status.name(),
                System.currentTimeMillis(), runId);
    }

    /** Every run, newest first. */
    public List<NeedleRun> runs() {
        return runs("SELECT id, title, spec, model, status, source, created_at FROM needle_runs ORDER BY created_at DESC, "
                + "id DESC", null);
    }

    public NeedleRun run(long id) {
        List<NeedleRun> found = runs("SELECT id, title, spec, model, status, source, created_at FROM needle_runs "
                + "WHERE id = ?", id);
        return found.isEmpty() ? null : found.get(0);
    }

    public void delete(long runId) {
        sql.update("DELETE FROM needle_runs WHERE id = ?", runId);
    }

    /** Stores a finished cell (replacing one with the same key). */
    public void put(long runId, NeedleCell cell) {
        sql.write(() -> {
            insert(runId, cell);
            return null;
        });
    }

    private void insert(long runId, NeedleCell cell) throws SQLException {
        try (PreparedStatement p = sql.db.prepareStatement("INSERT OR REPLACE INTO needle_cells (run_id, context_length, "
                + "depth_percent, round, cell) VALUES (?, ?, ?, ?, ?)")) {
            p.setLong(1, runId);
            p.setInt(2, cell.contextLength());
            p.setInt(3, cell.depthPercent());
            p.setInt(4, cell.round());
            p.setString(5, encode(cell));
            p.executeUpdate();
        }
    }

    /** The run's cells in the order they finished. */
    public List<NeedleCell> cells(long runId) {
        return sql.read(() -> {
            try (PreparedStatement p = sql.db.prepareStatement("SELECT context_length, depth_percent, round, cell "
                    + "FROM needle_cells WHERE run_id = ? ORDER BY id")) {
                p.setLong(1, runId);
                List<NeedleCell> out = new ArrayList<>();
                try (ResultSet rs = p.executeQuery()) {
                    while (rs.next()) {
                        out.add(decode(rs.getInt(1), rs.getInt(2), rs.getInt(3), rs.getString(4)));
                    }
                }
                return out;
            }
        });
    }

    private List<NeedleRun> runs(String statement, Long id) {
        return sql.read(() -> {
            try (PreparedStatement p = sql.db.prepareStatement(statement)) {
                if (id != null) {
                    p.setLong(1, id);
                }
                List<NeedleRun> out = new ArrayList<>();
                try (ResultSet rs = p.executeQuery()) {
                    while (rs.next()) {
                        out.add(new NeedleRun(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                                Status.valueOf(rs.getString(5)), rs.getString(6), Instant.ofEpochMilli(rs.getLong(7))));
                    }
                }
                return out;
            }
        });
    }

    private static String encode(NeedleCell cell) {
        ObjectNode json = JSON.createObjectNode().put("question", cell.question()).put("response", cell.response())
                .put("score", cell.score()).put("prompt_tokens", cell.promptTokens()).put("elapsed_ms", cell.elapsedMs());
        ArrayNode needles = json.putArray("needles");
        for (NeedleCell.Needle n : cell.needles()) {
            needles.addObject().put("city", n.city()).put("number", n.number()).put("depth_percent", n.depthPercent());
        }
        cell.answers().forEach(json.putArray("answers")::add);
        cell.correct().forEach(json.putArray("correct")::add);
        return json.toString();
    }

    private static NeedleCell decode(int length, int depth, int round, String text) throws SQLException {
        try {
            JsonNode json = JSON.readTree(text);
            List<NeedleCell.Needle> needles = new ArrayList<>();
            json.get("needles").forEach(n -> needles.add(new NeedleCell.Needle(n.get("city").asText(),
                    n.get("number").asText(), n.get("depth_percent").asInt())));
            List<String> answers = new ArrayList<>();
            json.get("answers").forEach(a -> answers.add(a.asText()));
            List<Boolean> correct = new ArrayList<>();
            json.get("correct").forEach(c -> correct.add(c.asBoolean()));
            return new NeedleCell(length, depth, round, json.get("question").asText(), needles, answers,
                    json.get("response").asText(), correct, json.get("score").asDouble(), json.get("prompt_tokens").asInt(),
                    json.get("elapsed_ms").asLong());
        } catch (JsonProcessingException | RuntimeException e) {
            throw new SQLException("needle cell (" + length + ", " + depth + ", " + round + ") is unreadable: "
                    + e.getMessage(), e);
        }
    }
}
