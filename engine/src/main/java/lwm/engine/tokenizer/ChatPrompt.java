package lwm.engine.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * LWM's text chat layout (reference lwm.md §2.4, §2.6). A single turn is {@code scripts/sample_pyt.py}'s template,
 * {@code "You are a helpful assistant. USER: {question} ASSISTANT:"}, after one BOS. Earlier turns go first,
 * Vicuna-style, each answer closed by {@code </s>} as a LLaMA chat fine-tune ends its answers:
 *
 * <pre>
 * BOS
 * enc("You are a helpful assistant. USER: {q1} ASSISTANT:")  enc("{a1}")  EOS
 * enc("USER: {q2} ASSISTANT:")                                enc("{a2}")  EOS
 * ...
 * enc("USER: {qN} ASSISTANT:")
 * </pre>
 *
 * where {@code enc} is sentencepiece encoding of that piece alone, without BOS/EOS. There is exactly one BOS, at
 * index 0. The answer is encoded on its own, so its dummy prefix supplies the space after "ASSISTANT:".
 */
public final class ChatPrompt {
    /** The fixed system prompt of every LWM chat layout, text and vision. */
    static final String SYSTEM = "You are a helpful assistant.";

    /**
     * One earlier exchange: the user's question and the model's answer.
     *
     * @param answerIds the answer's ids as generated (without EOS), or null to encode {@code answer}; keeping the
     *     generated ids makes each turn's prompt extend the previous one exactly, so a backend session is reused
     */
    public record Turn(String question, String answer, int[] answerIds) {
        public Turn {
            Objects.requireNonNull(question, "question");
            Objects.requireNonNull(answer, "answer");
        }

        public Turn(String question, String answer) {
            this(question, answer, null);
        }
    }

    private ChatPrompt() {}

    /** Prompt ids for {@code question} after {@code history} (oldest first; empty for a single turn). */
    public static int[] textChat(LlamaTokenizer tokenizer, List<Turn> history, String question) {
        List<ConversationPrompt.Turn> turns = new ArrayList<>();
        for (Turn turn : history) {
            turns.add(new ConversationPrompt.Turn(turn.question(), List.of(), turn.answer(), turn.answerIds()));
        }
        turns.add(ConversationPrompt.Turn.ask(question, List.of()));
        return ConversationPrompt.build(tokenizer, turns).ids();
    }
}
