package lwm.engine.tokenizer;

import java.util.List;

/**
 * LWM's vision-chat prompt (reference/lwm.md §2.4, {@code vision_chat.py}), with the one-BOS convention of §2.6:
 *
 * <pre>
 * BOS enc("You are a helpful assistant. USER: {question}\n")
 *     enc("&lt;vision&gt;") clip enc("&lt;/vision&gt;")      once per attachment, in order
 *     enc(" ASSISTANT:")
 * </pre>
 *
 * where {@code enc} encodes that piece alone and {@code clip} is {@link VisionTokens#clip} of the attachment's frames.
 * The question comes before the images, as in LWM. LWM itself takes one attachment; several follow each other, each
 * in its own {@code <vision>} block.
 *
 * @param ids the prompt, text and vision ids
 * @param visionMask true exactly on the codes and frame delimiters
 * @param attachmentStarts per attachment, the index in {@code ids} of its first code; frame f of attachment a starts
 *     at {@code attachmentStarts[a] + f * VisionTokens.TOKENS_PER_FRAME}
 */
public record VisionPrompt(int[] ids, boolean[] visionMask, int[] attachmentStarts) {

    /**
     * @param attachments images or clips, each a list of frames of 256 VQGAN codes (0..8191), at least one
     * @throws IllegalArgumentException when there is no attachment or a frame is malformed (naming attachment,
     *     frame and code)
     */
    public static VisionPrompt chat(LlamaTokenizer tokenizer, String question, List<List<int[]>> attachments) {
        if (attachments.isEmpty()) {
            throw new IllegalArgumentException("a vision prompt needs at least one attachment");
        }
        return ConversationPrompt.build(tokenizer, List.of(ConversationPrompt.Turn.ask(question, attachments)));
    }

    /** The length {@link #chat} will have for attachments of these frame counts, known before any frame is encoded. */
    public static int length(LlamaTokenizer tokenizer, String question, int[] framesPerAttachment) {
        int length = 1 + tokenizer.encode(ChatPrompt.SYSTEM + " USER: " + question + "\n").length
                + tokenizer.encode(" ASSISTANT:").length;
        int around = tokenizer.encode("<vision>").length + tokenizer.encode("</vision>").length;
        for (int frames : framesPerAttachment) {
            length += around + frames * VisionTokens.TOKENS_PER_FRAME;
        }
        return length;
    }
}
