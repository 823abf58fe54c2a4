package lwm.app.chat;

import java.nio.file.Path;
import java.util.List;
import lwm.engine.route.RoutingDecision;

/**
 * What a question would cost before it is sent: each attachment's tokens (frames × 257 for images and videos), the
 * conversation's text, the total against the model's context, and where it would run, or, when it fits nowhere,
 * why and the changes that would make it fit.
 *
 * @param decision the route, or null when the request fits nowhere
 * @param problem why it fits nowhere, or null
 * @param fixes changes that make it fit, most direct first (empty when it fits)
 */
public record ContextPlan(List<Item> items, long textTokens, long totalTokens, long contextTokens,
                          RoutingDecision decision, String problem, List<Fix> fixes) {

    /** One attachment: its frames and tokens, or the problem that keeps it out. */
    public record Item(Path file, AttachmentKind kind, int frames, long tokens, String problem) {}

    public enum FixKind {
        /** Sample fewer frames from each video: {@code frames} per video fits. */
        FEWER_FRAMES,
        /** Half-precision weights (halves the weights' memory). */
        HALF_PRECISION,
        /** Configure a remote backend for long contexts. */
        USE_BACKEND
    }

    /** @param frames for FEWER_FRAMES, the frames per video that fit; 0 otherwise */
    public record Fix(FixKind kind, int frames) {}

    public boolean fits() {
        return decision != null && items.stream().allMatch(i -> i.problem() == null);
    }
}
