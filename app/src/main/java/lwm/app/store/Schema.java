package lwm.app.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The store's versioned schema: migration {@code i} takes {@code PRAGMA user_version} from {@code i} to
 * {@code i + 1}. An existing database is copied to {@code <file>.v<N>.bak} (SQLite's {@code VACUUM INTO}, a
 * consistent snapshot) before it is migrated, so an upgrade that goes wrong loses nothing.
 */
final class Schema {
    static final List<String> MIGRATIONS = List.of("""
            CREATE TABLE conversations (
                id INTEGER PRIMARY KEY,
                title TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL);
            CREATE TABLE messages (
                id INTEGER PRIMARY KEY,
                conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
                seq INTEGER NOT NULL,
                role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
                text TEXT NOT NULL,
                status TEXT NOT NULL,
                stats TEXT,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                UNIQUE (conversation_id, seq));
            CREATE TABLE attachments (
                id INTEGER PRIMARY KEY,
                message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
                ord INTEGER NOT NULL,
                path TEXT NOT NULL,
                size INTEGER NOT NULL,
                sha256 TEXT NOT NULL,
                kind TEXT NOT NULL,
                probe TEXT);
            CREATE INDEX attachments_by_message ON attachments(message_id, ord);
            """, """
            CREATE TABLE generations (
                id INTEGER PRIMARY KEY,
                prompt TEXT NOT NULL,
                n_frames INTEGER NOT NULL,
                seed INTEGER NOT NULL,
                temperature_image REAL NOT NULL,
                top_k_image INTEGER NOT NULL,
                cfg_scale_image REAL NOT NULL,
                temperature_video REAL NOT NULL,
                top_k_video INTEGER NOT NULL,
                cfg_scale_video REAL NOT NULL,
                model TEXT NOT NULL,
                status TEXT NOT NULL,
                frames_done INTEGER NOT NULL,
                file TEXT,
                problem TEXT,
                elapsed_ms INTEGER NOT NULL,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL);
            """, """
            CREATE TABLE needle_runs (
                id INTEGER PRIMARY KEY,
                title TEXT NOT NULL,
                spec TEXT NOT NULL,
                model TEXT NOT NULL,
                status TEXT NOT NULL,
                source TEXT,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL);
            CREATE TABLE needle_cells (
                id INTEGER PRIMARY KEY,
                run_id INTEGER NOT NULL REFERENCES needle_runs(id) ON DELETE CASCADE,
                context_length INTEGER NOT NULL,
                depth_percent INTEGER NOT NULL,
                round INTEGER NOT NULL,
                cell TEXT NOT NULL,
                UNIQUE (run_id, context_length, depth_percent, round));
            """);

    private Schema() {}

    /** Brings the database to the last version of {@code migrations}; returns the backup written, or null. */
    static Path migrate(Connection db, Path file, List<String> migrations) throws SQLException, IOException {
        int version = version(db);
        if (version > migrations.size()) {
            throw new StoreException(file + ": written by a newer LWM Desktop (schema version " + version
                    + ", this one knows up to " + migrations.size() + "); it is left untouched");
        }
        if (version == migrations.size()) {
            return null;
        }
        Path backup = null;
        if (version > 0) {
            backup = file.resolveSibling(file.getFileName() + ".v" + version + ".bak");
            Files.deleteIfExists(backup);
            try (Statement s = db.createStatement()) {
                s.execute("VACUUM INTO '" + backup.toString().replace("'", "''") + "'");
            }
        }
        boolean auto = db.getAutoCommit();
        db.setAutoCommit(false);
        try (Statement s = db.createStatement()) {
            for (int v = version; v < migrations.size(); v++) {
                for (String statement : migrations.get(v).split(";")) {
                    if (!statement.isBlank()) {
                        s.execute(statement);
                    }
                }
            }
            s.execute("PRAGMA user_version = " + migrations.size());
            db.commit();
        } catch (SQLException e) {
            db.rollback();
            throw new StoreException(file + ": migrating from schema version " + version + " failed ("
                    + e.getMessage() + ")" + (backup == null ? "" : "; the backup is " + backup), e);
        } finally {
            db.setAutoCommit(auto);
        }
        return backup;
    }

    static int version(Connection db) throws SQLException {
        try (Statement s = db.createStatement(); var rs = s.executeQuery("PRAGMA user_version")) {
            return rs.getInt(1);
        }
    }
}
