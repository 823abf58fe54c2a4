package lwm.engine.remote;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import lwm.engine.tokenizer.VisionTokens;

/**
 * Turns prompt ids and their vision mask into the protocol's {@code lwm_input}: runs of text ids become
 * {@code tokens} segments, and each vision clip (frames of 256 codes, each closed by {@code <eof>}, the clip by
 * {@code <eov>}) becomes a {@code vision_codes} segment, which the backend expands back to the same ids.
 */
final class PromptSegments {
    private PromptSegments() {}

    /** @param visionMask null for a text-only prompt */
    static ArrayNode of(int[] ids, boolean[] visionMask, int from, int to) {
        ArrayNode segments = JsonNodeFactory.instance.arrayNode();
        int start = from;
        while (start < to) {
            boolean vision = visionMask != null && visionMask[start];
            int end = start;
            while (end < to && (visionMask != null && visionMask[end]) == vision) {
                end++;
            }
            if (vision) {
                addClips(segments, ids, start, end);
            } else {
                ObjectNode tokens = segments.addObject().put("type", "tokens");
                ArrayNode list = tokens.putArray("ids");
                for (int i = start; i < end; i++) {
                    list.add(ids[i]);
                }
            }
            start = end;
        }
        return segments;
    }

    private static void addClips(ArrayNode segments, int[] ids, int from, int to) {
        ArrayNode frames = null;
        for (int frame = from; frame < to; frame += VisionTokens.TOKENS_PER_FRAME) {
            int delimiter = frame + VisionTokens.CODES_PER_FRAME;
            if (delimiter >= to || (ids[delimiter] != VisionTokens.END_OF_FRAME && ids[delimiter] != VisionTokens.END_OF_VISION)) {
                throw new IllegalArgumentException("vision tokens at positions " + from + ".." + (to - 1)
                        + " are not whole frames (256 codes, then <eof> or <eov>); the backend takes vision input as frames");
            }
            if (frames == null) {
                frames = segments.addObject().put("type", "vision_codes").putArray("frames");
            }
            ArrayNode codes = frames.addArray();
            for (int i = frame; i < delimiter; i++) {
                codes.add(ids[i]);
            }
            if (ids[delimiter] == VisionTokens.END_OF_VISION) {
                frames = null;
            }
        }
        if (frames != null) {
            throw new IllegalArgumentException("the vision clip ending at position " + (to - 1)
                    + " is not closed by <eov> (8193); the backend expands clips only in LWM's layout");
        }
    }
}
