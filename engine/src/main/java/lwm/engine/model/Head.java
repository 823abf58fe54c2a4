package lwm.engine.model;

/**
 * Which of LWM's two vocabularies a step works in (reference/lwm.md §1.5): the head that produces logits, and, as
 * LWM's {@code sample_mode} when decoding, also the embedding a generated token is fed back through
 * ({@link LlamaModel#decode}): TEXT = wte and lm_head, VISION = vte and vision_head.
 */
public enum Head {
    TEXT,
    VISION
}
