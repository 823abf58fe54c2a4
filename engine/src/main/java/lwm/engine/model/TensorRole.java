package lwm.engine.model;

import java.util.Arrays;

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

    /**
     * Throws naming {@code source} and the configuration's sizes when {@code actual} is not this role's shape.
     *
     * @param sizesFrom where the configuration's sizes were read, for the message ({@code config.json}'s path)
     */
    void checkShape(LlamaConfig config, String sizesFrom, String source, long[] actual) throws InvalidModelException {
        long[] expected = expectedShape(config);
        if (!Arrays.equals(expected, actual)) {
            throw new InvalidModelException(source + ": shape " + Arrays.toString(actual)
                    + " but " + sizesFrom + " (hidden_size " + config.hiddenSize() + ", intermediate_size "
                    + config.intermediateSize() + ", vocab_size " + config.vocabSize()
                    + (isVision() ? ", vision_vocab_size " + config.visionVocabSize() : "") + ") implies "
                    + Arrays.toString(expected));
        }
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
