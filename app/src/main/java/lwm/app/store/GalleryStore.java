package lwm.app.store;

import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import lwm.app.store.GalleryItem.Status;
import lwm.engine.imagine.ImagineRequest;
import lwm.engine.imagine.ModalityParams;

/** The gallery's records (table {@code generations}); the images and clips themselves are files beside the store. */
public final class GalleryStore {
    private static final String COLUMNS = "id, prompt, n_frames, seed, temperature_image, top_k_image, cfg_scale_image, "
            + "temperature_video, top_k_video, cfg_scale_video, model, status, frames_done, file, problem, elapsed_ms, "
            + "created_at";

    private final SqliteFile sql;

    GalleryStore(SqliteFile sql) {
        this.sql = sql;
        if (sql.sole) { // running rows of another process are its own
            sql.update("UPDATE generations SET status = ? WHERE status = ?", Status.INTERRUPTED.name(), Status.RUNNING.name());
        }
    }

    /** Records a generation that is starting (RUNNING, no file yet). */
    public GalleryItem start(ImagineRequest request, String model) {
        long now = System.currentTimeMillis();
        long id = sql.write(() -> {
            try (PreparedStatement p = sql.db.prepareStatement("INSERT INTO generations (prompt, n_frames, seed, "
                    + "temperature_image, top_k_image, cfg_scale_image, temperature_video, top_k_video, cfg_scale_video, "
                    + "model, status, frames_done, elapsed_ms, created_at, updated_at) "
                    + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?)", Statement.RETURN_GENERATED_KEYS)) {
                p.setString(1, request.prompt());
                p.setInt(2, request.frames());
                p.setLong(3, request.seed());
                bind(p, 4, request.image());
                bind(p, 7, request.video());
                p.setString(10, model);
                p.setString(11, Status.RUNNING.name());
                p.setLong(12, now);
                p.setLong(13, now);
                p.executeUpdate();
                return SqliteFile.generatedKey(p);
            }
        });
        return new GalleryItem(id, request, model, Status.RUNNING, 0, null, null, Duration.ZERO, Instant.ofEpochMilli(now));
    }

    /** Records that {@code framesDone} frames are complete and, when given, the file holding them. */
    public void progress(long id, int framesDone, Path file, Duration elapsed) {
        sql.update("UPDATE generations SET frames_done = ?, file = COALESCE(?, file), elapsed_ms = ?, updated_at = ? "
                + "WHERE id = ?", framesDone, file == null ? null : file.toString(), elapsed.toMillis(),
                System.currentTimeMillis(), id);
    }

    public void finish(long id, Status status, String problem) {
        sql.update("UPDATE generations SET status = ?, problem = ?, updated_at = ? WHERE id = ?", status.name(), problem,
                System.currentTimeMillis(), id);
    }

    /** Every item, newest first. */
    public List<GalleryItem> items() {
        return query("SELECT " + COLUMNS + " FROM generations ORDER BY created_at DESC, id DESC", null);
    }

    public GalleryItem item(long id) {
        List<GalleryItem> found = query("SELECT " + COLUMNS + " FROM generations WHERE id = ?", id);
        return found.isEmpty() ? null : found.get(0);
    }

    /** Forgets the record (the caller deletes the file). */
    public void delete(long id) {
        sql.update("DELETE FROM generations WHERE id = ?", id);
    }

    private List<GalleryItem> query(String statement, Long id) {
        return sql.read(() -> {
            try (PreparedStatement p = sql.db.prepareStatement(statement)) {
                if (id != null) {
                    p.setLong(1, id);
                }
                List<GalleryItem> out = new ArrayList<>();
                try (ResultSet rs = p.executeQuery()) {
                    while (rs.next()) {
                        out.add(item(rs));
                    }
                }
                return out;
            }
        });
    }

    private static GalleryItem item(ResultSet rs) throws SQLException {
        ImagineRequest request = new ImagineRequest(rs.getString(2), rs.getInt(3), params(rs, 5), params(rs, 8),
                rs.getLong(4));
        String file = rs.getString(14);
        return new GalleryItem(rs.getLong(1), request, rs.getString(11), Status.valueOf(rs.getString(12)), rs.getInt(13),
                file == null ? null : Path.of(file), rs.getString(15), Duration.ofMillis(rs.getLong(16)),
                Instant.ofEpochMilli(rs.getLong(17)));
    }

    private static void bind(PreparedStatement p, int first, ModalityParams params) throws SQLException {
        p.setDouble(first, params.temperature());
        p.setInt(first + 1, params.topK());
        p.setDouble(first + 2, params.cfgScale());
    }

    private static ModalityParams params(ResultSet rs, int first) throws SQLException {
        return new ModalityParams((float) rs.getDouble(first), rs.getInt(first + 1), (float) rs.getDouble(first + 2));
    }
}
