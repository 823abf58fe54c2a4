package lwm.engine.model;

/** What a checkpoint tensor is for, independent of the naming scheme of its format. */
enum TensorRole {
    TOKEN_EMBEDDING(false),
    VISION_EMBEDDING(false),
    FINAL_NORM(false),
    LM_HEAD(false),
    VISION_HEAD(false),
    ATTENTION_NORM(true),
    WQ(true),
    WK(true),
    WV(true),
    WO(true),
    FFN_NORM(true),
    W1(true),
    W2(true),
    W3(true);

    final boolean perLayer;

    TensorRole(boolean perLayer) {
        this.perLayer = perLayer;
    }

    boolean isNorm() {
        return this == FINAL_NORM || this == ATTENTION_NORM || this == FFN_NORM;
    }

    boolean isVision() {
        return this == VISION_EMBEDDING || this == VISION_HEAD;
    }

    /** Expected internal (torch-style, (out, in)) shape under {@code config}. */
    long[] expectedShape(LlamaConfig c) {
        long d = c.hiddenSize();
        long h = c.intermediateSize();
        switch (this) {
            case TOKEN_EMBEDDING: case LM_HEAD: return new long[] {c.vocabSize(), d};
            case VISION_EMBEDDING: case VISION_HEAD: return new long[] {c.visionVocabSize(), d};
            case FINAL_NORM: case ATTENTION_NORM: case FFN_NORM: return new long[] {d};
            case WQ: case WK: case WV: case WO: return new long[] {d, d};
            case W1: case W3: return new long[] {h, d};
            case W2: return new long[] {d, h};
            default: throw new AssertionError(this);
        }
    }
}
