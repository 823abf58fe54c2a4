package lwm.engine.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A whole conversation in LWM's layouts, text and vision turns mixed: the first turn is LWM's single-turn template
 * ({@link ChatPrompt} without attachments, {@link VisionPrompt} with them), later turns follow the previous answer and
 * its EOS, Vicuna-style, without the system prompt:
 *
 * <pre>
 * BOS enc("You are a helpful assistant. USER: {q1}\n") &lt;vision&gt;…&lt;/vision&gt;… enc(" ASSISTANT:") enc("{a1}") EOS
 *     enc("USER: {q2} ASSISTANT:") enc("{a2}") EOS                       a turn without attachments
 *     enc("USER: {qN}\n") &lt;vision&gt;…&lt;/vision&gt; enc(" ASSISTANT:")           a turn with attachments
 * </pre>
 *
 * Follow-ups about an attached video therefore extend the first turn's prompt exactly, so a pinned backend session
 * or a cached prefix is reused.
 */
public final class ConversationPrompt {
    /**
     * One question with its attachments and, for earlier turns, the answer.
     *
     * @param attachments images or clips, each a list of frames of 256 VQGAN codes; empty for a text turn
     * @param answerIds the answer as generated (without EOS), or null to encode {@code answer}
     */
    public record Turn(String question, List<List<int[]>> attachments, String answer, int[] answerIds) {
        public Turn {
            Objects.requireNonNull(question, "question");
            attachments = attachments == null ? List.of() : List.copyOf(attachments);
        }

        /** The question being asked now (no answer yet). */
        public static Turn ask(String question, List<List<int[]>> attachments) {
            return new Turn(question, attachments, null, null);
        }
    }

    private ConversationPrompt() {}

    /**
     * The prompt for the last turn of {@code turns} (earlier ones have answers), with its vision mask and the start
     * of every attachment, numbered across all turns.
     *
     * @throws IllegalArgumentException when an earlier turn has no answer or an attachment is malformed (naming it)
     */
    public static VisionPrompt build(LlamaTokenizer tokenizer, List<Turn> turns) {
        if (turns.isEmpty()) {
            throw new IllegalArgumentException("a conversation prompt needs a question");
        }
        PromptBuilder prompt = new PromptBuilder(tokenizer);
        List<Integer> starts = new ArrayList<>();
        for (int t = 0; t < turns.size(); t++) {
            Turn turn = turns.get(t);
            String user = (t == 0 ? ChatPrompt.SYSTEM + " " : "") + "USER: " + turn.question();
            if (turn.attachments().isEmpty()) {
                prompt.text(user + " ASSISTANT:");
            } else {
                prompt.text(user + "\n");
                for (List<int[]> attachment : turn.attachments()) {
                    int[] clip;
                    try {
                        clip = VisionTokens.clip(attachment);
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException("attachment " + starts.size() + ": " + e.getMessage(), e);
                    }
                    prompt.text("<vision>");
                    starts.add(prompt.length());
                    prompt.vision(clip).text("</vision>");
                }
                prompt.text(" ASSISTANT:");
            }
            if (t < turns.size() - 1) {
                appendAnswer(prompt, turn, t);
            }
        }
        return new VisionPrompt(prompt.build(), prompt.visionMask(), starts.stream().mapToInt(Integer::intValue).toArray());
    }

    private static void appendAnswer(PromptBuilder prompt, Turn turn, int index) {
        if (turn.answerIds() != null) {
            prompt.textIds(turn.answerIds());
        } else if (turn.answer() != null) {
            prompt.text(turn.answer());
        } else {
            throw new IllegalArgumentException("turn " + index + " has no answer; only the last turn may be unanswered");
        }
        prompt.eos();
    }
}
