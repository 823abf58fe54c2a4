package lwm.app.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import lwm.app.store.Message.Role;
import lwm.app.store.Message.Status;

/**
 * Conversations, their messages and the messages' attachments in one SQLite file (WAL journal).
 *
 * <p>An answer is written as it streams: {@link #startAnswer} stores it STREAMING, each {@link #updateAnswer}
 * commits the text so far, {@link #finishAnswer} its end. With WAL and {@code synchronous=NORMAL} a commit is in the
 * log before the call returns, so a process killed mid-answer keeps every update it made; opening the store marks
 * such answers INTERRUPTED. Methods are synchronized: one connection serves every caller.
 */
public final class ConversationStore implements AutoCloseable {
    private final SqliteFile sql;
    private final Connection db;
    private final int interruptedOnOpen;
    private final GalleryStore gallery;
    private final NeedleStore needles;

    private ConversationStore(SqliteFile sql, int interruptedOnOpen) {
        this.sql = sql;
        this.db = sql.db;
        this.interruptedOnOpen = interruptedOnOpen;
        this.gallery = new GalleryStore(sql);
        this.needles = new NeedleStore(sql);
    }

    /** Opens (creating or migrating) the store at {@code file}. */
    public static ConversationStore open(Path file) {
        return open(file, Schema.MIGRATIONS);
    }

    static ConversationStore open(Path file, List<String> migrations) {
        SqliteFile sql = SqliteFile.open(file, migrations, "conversation store");
        try {
            int interrupted = !sql.sole ? 0 : sql.update("UPDATE messages SET status = ? WHERE status = ?",
                    Status.INTERRUPTED.name(), Status.STREAMING.name()); // another process's answers are its own
            return new ConversationStore(sql, interrupted);
        } catch (RuntimeException e) {
            sql.close();
            throw e;
        }
    }

    /** The gallery's records, kept in the same file. */
    public GalleryStore gallery() {
        return gallery;
    }

    /** The needle lab's runs and cells, kept in the same file. */
    public NeedleStore needles() {
        return needles;
    }

    /** How many answers were found cut off (STREAMING) when the store was opened, now INTERRUPTED. */
    public int interruptedOnOpen() {
        return interruptedOnOpen;
    }

    /** The copy made before a schema migration at open, or null when none was needed. */
    public Path backup() {
        return sql.backup;
    }

    public Path file() {
        return sql.file;
    }

    // ------------------------------------------------------------------ conversations

    public synchronized Conversation createConversation(String title) {
        long now = System.currentTimeMillis();
        return write(() -> {
            try (PreparedStatement p = db.prepareStatement(
                    "INSERT INTO conversations (title, created_at, updated_at) VALUES (?, ?, ?)",
                    Statement.RETURN_GENERATED_KEYS)) {
                p.setString(1, title);
                p.setLong(2, now);
                p.setLong(3, now);
                p.executeUpdate();
                return new Conversation(generatedKey(p), title, Instant.ofEpochMilli(now), Instant.ofEpochMilli(now));
            }
        });
    }

    /** Every conversation, the most recently active first. */
    public synchronized List<Conversation> conversations() {
        return conversations("SELECT id, title, created_at, updated_at FROM conversations ORDER BY updated_at DESC, id DESC",
                null);
    }

    /** Conversations whose title or any message contains {@code query} (case-insensitive), most recent first. */
    public synchronized List<Conversation> search(String query) {
        String like = "%" + query.toLowerCase(Locale.ROOT).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                + "%";
        return conversations("""
                SELECT id, title, created_at, updated_at FROM conversations c
                WHERE lower(title) LIKE ?1 ESCAPE '\\'
                   OR EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND lower(m.text) LIKE ?1 ESCAPE '\\')
                ORDER BY updated_at DESC, id DESC""", like);
    }

    public synchronized void rename(long conversationId, String title) {
        update("UPDATE conversations SET title = ?, updated_at = ? WHERE id = ?", title, System.currentTimeMillis(),
                conversationId);
    }

    /** Deletes a conversation with its messages and their attachment records (never the files). */
    public synchronized void delete(long conversationId) {
        update("DELETE FROM conversations WHERE id = ?", conversationId);
    }

    // ------------------------------------------------------------------ messages

    /** Appends the user's question with its attachments. */
    public synchronized Message addQuestion(long conversationId, String text, List<Attachment> attachments) {
        return write(() -> {
            long id = insertMessage(conversationId, Role.USER, text, Status.COMPLETE);
            try (PreparedStatement p = db.prepareStatement(
                    "INSERT INTO attachments (message_id, ord, path, size, sha256, kind, probe) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                for (int i = 0; i < attachments.size(); i++) {
                    Attachment a = attachments.get(i);
                    p.setLong(1, id);
                    p.setInt(2, i);
                    p.setString(3, a.path());
                    p.setLong(4, a.size());
                    p.setString(5, a.sha256());
                    p.setString(6, a.kind());
                    p.setString(7, a.probe());
                    p.addBatch();
                }
                p.executeBatch();
            }
            return message(id);
        });
    }

    /** Appends an empty STREAMING answer; returns its id for {@link #updateAnswer} and {@link #finishAnswer}. */
    public synchronized long startAnswer(long conversationId) {
        return write(() -> insertMessage(conversationId, Role.ASSISTANT, "", Status.STREAMING));
    }

    /** Commits the answer's text so far. */
    public synchronized void updateAnswer(long messageId, String text) {
        update("UPDATE messages SET text = ?, updated_at = ? WHERE id = ?", text, System.currentTimeMillis(), messageId);
    }

    /** The answer's final text, how it ended and its figures (JSON, may be null). */
    public synchronized void finishAnswer(long messageId, String text, Status status, String stats) {
        update("UPDATE messages SET text = ?, status = ?, stats = ?, updated_at = ? WHERE id = ?", text, status.name(),
                stats, System.currentTimeMillis(), messageId);
    }

    /** The conversation's messages in order, with their attachments. */
    public synchronized List<Message> messages(long conversationId) {
        return read(() -> {
            List<Message> out = new ArrayList<>();
            try (PreparedStatement p = db.prepareStatement(MESSAGE_COLUMNS + " WHERE conversation_id = ? ORDER BY seq")) {
                p.setLong(1, conversationId);
                try (ResultSet rs = p.executeQuery()) {
                    while (rs.next()) {
                        out.add(message(rs));
                    }
                }
            }
            return out;
        });
    }

    /** Deletes the conversation's messages from position {@code seq} on (edit-and-resend, regenerate). */
    public synchronized void truncate(long conversationId, int seq) {
        update("DELETE FROM messages WHERE conversation_id = ? AND seq >= ?", conversationId, seq);
    }

    @Override
    public synchronized void close() {
        sql.close();
    }

    // ------------------------------------------------------------------ plumbing

    private static final String MESSAGE_COLUMNS =
            "SELECT id, conversation_id, seq, role, text, status, stats, created_at, updated_at FROM messages";

    private long insertMessage(long conversationId, Role role, String text, Status status) throws SQLException {
        long now = System.currentTimeMillis();
        int seq;
        try (PreparedStatement p = db.prepareStatement(
                "SELECT coalesce(max(seq) + 1, 0) FROM messages WHERE conversation_id = ?")) {
            p.setLong(1, conversationId);
            try (ResultSet rs = p.executeQuery()) {
                seq = rs.getInt(1);
            }
        }
        long id;
        try (PreparedStatement p = db.prepareStatement("""
                INSERT INTO messages (conversation_id, seq, role, text, status, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)""", Statement.RETURN_GENERATED_KEYS)) {
            p.setLong(1, conversationId);
            p.setInt(2, seq);
            p.setString(3, role.name().toLowerCase(Locale.ROOT));
            p.setString(4, text);
            p.setString(5, status.name());
            p.setLong(6, now);
            p.setLong(7, now);
            p.executeUpdate();
            id = generatedKey(p);
        }
        try (PreparedStatement p = db.prepareStatement("UPDATE conversations SET updated_at = ? WHERE id = ?")) {
            p.setLong(1, now);
            p.setLong(2, conversationId);
            p.executeUpdate();
        }
        return id;
    }

    private Message message(long id) throws SQLException {
        try (PreparedStatement p = db.prepareStatement(MESSAGE_COLUMNS + " WHERE id = ?")) {
            p.setLong(1, id);
            try (ResultSet rs = p.executeQuery()) {
                if (!rs.next()) {
                    throw new StoreException(sql.file + ": message " + id + " not found");
                }
                return message(rs);
            }
        }
    }

    private Message message(ResultSet rs) throws SQLException {
        long id = rs.getLong(1);
        return new Message(id, rs.getLong(2), rs.getInt(3), Role.valueOf(rs.getString(4).toUpperCase(Locale.ROOT)),
                rs.getString(5), Status.valueOf(rs.getString(6)), rs.getString(7), Instant.ofEpochMilli(rs.getLong(8)),
                Instant.ofEpochMilli(rs.getLong(9)), attachments(id));
    }

    private List<Attachment> attachments(long messageId) throws SQLException {
        List<Attachment> out = new ArrayList<>();
        try (PreparedStatement p = db.prepareStatement(
                "SELECT path, size, sha256, kind, probe FROM attachments WHERE message_id = ? ORDER BY ord")) {
            p.setLong(1, messageId);
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    out.add(new Attachment(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getString(4),
                            rs.getString(5)));
                }
            }
        }
        return out;
    }

    private List<Conversation> conversations(String sql, String parameter) {
        return read(() -> {
            List<Conversation> out = new ArrayList<>();
            try (PreparedStatement p = db.prepareStatement(sql)) {
                if (parameter != null) {
                    p.setString(1, parameter);
                }
                try (ResultSet rs = p.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Conversation(rs.getLong(1), rs.getString(2), Instant.ofEpochMilli(rs.getLong(3)),
                                Instant.ofEpochMilli(rs.getLong(4))));
                    }
                }
            }
            return out;
        });
    }

    private void update(String statement, Object... parameters) {
        sql.update(statement, parameters);
    }

    private <T> T write(SqliteFile.Work<T> work) {
        return sql.write(work);
    }

    private <T> T read(SqliteFile.Work<T> work) {
        return sql.read(work);
    }

    private static long generatedKey(PreparedStatement p) throws SQLException {
        return SqliteFile.generatedKey(p);
    }
}
