package lwm.app.store;

import java.time.Instant;
import java.util.List;

/**
 * A turn of a conversation. {@code stats} is the answer's figures as JSON (time to first token, tokens/s, route),
 * null for questions; {@code attachments} are the files a question refers to, in order.
 */
public record Message(long id, long conversationId, int seq, Role role, String text, Status status, String stats,
                      Instant created, Instant updated, List<Attachment> attachments) {
    public enum Role { USER, ASSISTANT }

    /**
     * COMPLETE: a question, or an answer that ended by itself. STREAMING: an answer being written (on disk only
     * while its writer runs). INTERRUPTED: the writer died mid-answer (found so when the store was opened).
     * STOPPED: the user stopped it. FAILED: the engine gave up (the text holds what came before).
     */
    public enum Status { COMPLETE, STREAMING, INTERRUPTED, STOPPED, FAILED }
}
