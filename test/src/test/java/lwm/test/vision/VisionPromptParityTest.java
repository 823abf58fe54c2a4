package lwm.test.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import lwm.engine.tokenizer.LlamaTokenizer;
import lwm.engine.tokenizer.VisionPrompt;
import org.junit.jupiter.api.Test;

/** VisionPrompt against the Python layout (lwmref/vision_prompt.py with sentencepiece): ids, mask and starts equal. */
class VisionPromptParityTest {
    @Test
    void javaPromptsEqualThePythonOnes() throws IOException {
        LlamaTokenizer tokenizer = LlamaTokenizer.load(VisionFixtures.tokenizer());
        for (VisionFixtures.Sequence s : VisionFixtures.sequences()) {
            VisionPrompt prompt = VisionPrompt.chat(tokenizer, s.question(), s.attachments());
            assertArrayEquals(s.ids(), prompt.ids(), s.name());
            assertArrayEquals(s.visionMask(), prompt.visionMask(), s.name());
            assertArrayEquals(s.attachmentStarts(), prompt.attachmentStarts(), s.name());
        }
    }

    /** The router sizes a vision request before encoding: the planned length must be the built prompt's. */
    @Test
    void plannedLengthIsTheBuiltPromptsLength() throws IOException {
        LlamaTokenizer tokenizer = LlamaTokenizer.load(VisionFixtures.tokenizer());
        for (VisionFixtures.Sequence s : VisionFixtures.sequences()) {
            int[] frames = s.attachments().stream().mapToInt(java.util.List::size).toArray();
            assertEquals(s.ids().length, VisionPrompt.length(tokenizer, s.question(), frames), s.name());
        }
    }
}
