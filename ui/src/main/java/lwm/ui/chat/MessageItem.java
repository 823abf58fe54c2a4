package lwm.ui.chat;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import lwm.app.chat.TurnStats;
import lwm.app.store.Attachment;
import lwm.app.store.Message;

/** One message of the thread as the view shows it; an answer's text and status change while it streams. */
public final class MessageItem {
    private final Message.Role role;
    private final int seq;
    private final List<String> attachments;
    private final StringProperty text = new SimpleStringProperty("");
    private final ObjectProperty<Message.Status> status = new SimpleObjectProperty<>(Message.Status.COMPLETE);
    private final StringProperty details = new SimpleStringProperty("");

    MessageItem(Message.Role role, int seq, List<String> attachments) {
        this.role = role;
        this.seq = seq;
        this.attachments = List.copyOf(attachments);
    }

    static MessageItem of(Message m) {
        MessageItem item = new MessageItem(m.role(), m.seq(),
                m.attachments().stream().map(MessageItem::fileName).toList());
        item.text.set(m.text());
        item.status.set(m.status());
        item.details.set(details(m));
        return item;
    }

    private static String fileName(Attachment a) {
        Path name = Path.of(a.path()).getFileName();
        return name == null ? a.path() : name.toString();
    }

    /** The answer's figures, or why it ended early, in one line. */
    static String details(Message m) {
        if (m.role() != Message.Role.ASSISTANT) {
            return "";
        }
        TurnStats s = TurnStats.fromJson(m.stats());
        String figures = s == null || s.route().isEmpty() ? "" : String.format(Locale.ROOT,
                "%s · first token %.0f ms · prefill %.0f tok/s · decode %.1f tok/s · %d prompt tokens%s",
                s.route(), s.firstTokenMs(), s.prefillTokensPerSecond(), s.decodeTokensPerSecond(), s.promptTokens(),
                s.cachedTokens() > 0 ? " (" + s.cachedTokens() + " cached)" : "");
        String ending = switch (m.status()) {
            case INTERRUPTED -> "interrupted: the app stopped while this answer was being written";
            case STOPPED -> "stopped";
            case FAILED -> "failed" + failure(m.stats());
            default -> "";
        };
        return ending.isEmpty() ? figures : figures.isEmpty() ? ending : ending + " · " + figures;
    }

    private static String failure(String stats) {
        if (stats == null || !stats.contains("\"error\"")) {
            return "";
        }
        try {
            return ": " + new com.fasterxml.jackson.databind.ObjectMapper().readTree(stats).path("error").asText();
        } catch (java.io.IOException e) {
            return "";
        }
    }

    public Message.Role role() {
        return role;
    }

    public int seq() {
        return seq;
    }

    public List<String> attachments() {
        return attachments;
    }

    public StringProperty textProperty() {
        return text;
    }

    public ObjectProperty<Message.Status> statusProperty() {
        return status;
    }

    public StringProperty detailsProperty() {
        return details;
    }
}
