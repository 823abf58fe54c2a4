package lwm.engine.generate;

public enum StopReason {
    /** The model produced the end-of-sequence token. */
    END_OF_SEQUENCE,
    /** The requested number of new tokens, or the model's context, was reached. */
    MAX_TOKENS,
    CANCELLED
}
