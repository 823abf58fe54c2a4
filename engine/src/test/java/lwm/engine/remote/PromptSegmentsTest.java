package lwm.engine.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.ArrayList;
import java.util.List;
import lwm.engine.tokenizer.VisionTokens;
import org.junit.jupiter.api.Test;

class PromptSegmentsTest {
    private static int[] frame(int seed) {
        int[] codes = new int[VisionTokens.CODES_PER_FRAME];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = (seed * 977 + i * 31) % VisionTokens.CODEBOOK_SIZE;
        }
        return codes;
    }

    /** BOS, text, a two-frame clip, text, a one-frame image, text: LWM's layout with two attachments. */
    @Test
    void textRunsBecomeTokensAndEachClipBecomesOneVisionCodesSegment() {
        List<Integer> ids = new ArrayList<>(List.of(1, 40, 41));
        List<Boolean> mask = new ArrayList<>(List.of(false, false, false));
        for (int[] part : new int[][] {VisionTokens.clip(List.of(frame(1), frame(2)))}) {
            for (int id : part) {
                ids.add(id);
                mask.add(true);
            }
        }
        ids.add(42);
        mask.add(false);
        for (int id : VisionTokens.clip(List.of(frame(3)))) {
            ids.add(id);
            mask.add(true);
        }
        ids.add(43);
        mask.add(false);
        int[] idArray = ids.stream().mapToInt(Integer::intValue).toArray();
        boolean[] maskArray = new boolean[mask.size()];
        for (int i = 0; i < maskArray.length; i++) {
            maskArray[i] = mask.get(i);
        }

        ArrayNode segments = PromptSegments.of(idArray, maskArray, 0, idArray.length);
        assertEquals(5, segments.size());
        assertEquals("tokens", segments.get(0).get("type").asText());
        assertEquals(3, segments.get(0).get("ids").size());
        assertEquals("vision_codes", segments.get(1).get("type").asText());
        assertEquals(2, segments.get(1).get("frames").size());
        assertEquals(frame(2)[5], segments.get(1).get("frames").get(1).get(5).asInt());
        assertEquals(1, segments.get(3).get("frames").size());
        assertEquals(43, segments.get(4).get("ids").get(0).asInt());

        ArrayNode tail = PromptSegments.of(idArray, maskArray, idArray.length - 1, idArray.length);
        assertEquals(1, tail.size(), "a suffix is segmented on its own");
    }

    @Test
    void visionTokensThatAreNotWholeFramesAreRefused() {
        int[] ids = new int[10];
        boolean[] mask = new boolean[10];
        java.util.Arrays.fill(mask, 2, 10, true);
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> PromptSegments.of(ids, mask, 0, ids.length));
        assertTrue(error.getMessage().contains("not whole frames"), error.getMessage());
    }

    @Test
    void aClipWithoutEndOfVisionIsRefused() {
        int[] clip = VisionTokens.clip(List.of(frame(1), frame(2)));
        int[] open = java.util.Arrays.copyOf(clip, VisionTokens.TOKENS_PER_FRAME); // first frame ends with <eof>
        boolean[] mask = new boolean[open.length];
        java.util.Arrays.fill(mask, true);
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> PromptSegments.of(open, mask, 0, open.length));
        assertTrue(error.getMessage().contains("<eov>"), error.getMessage());
    }
}
