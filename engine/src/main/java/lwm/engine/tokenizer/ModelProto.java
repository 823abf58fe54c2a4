package lwm.engine.tokenizer;

import java.util.List;

/**
 * The parts of SentencePiece's {@code ModelProto} (sentencepiece_model.proto) that decide how text is encoded and
 * decoded; defaults are the proto's.
 *
 * @param trainer null when the file has no {@code trainer_spec}
 * @param normalizer null when the file has no {@code normalizer_spec}
 * @param hasDenormalizerRules whether {@code denormalizer_spec} carries a rewrite table that decoding would apply
 */
record ModelProto(List<Piece> pieces, TrainerSpec trainer, NormalizerSpec normalizer, boolean hasDenormalizerRules) {

    record Piece(String text, float score, PieceType type) {}

    /** @param modelType the {@code ModelType} enum number: 1 unigram, 2 BPE, 3 word, 4 char */
    record TrainerSpec(long modelType, boolean byteFallback, boolean treatWhitespaceAsSuffix, String unkSurface,
            String bosPiece, String eosPiece) {
        static final TrainerSpec DEFAULTS = new TrainerSpec(1, false, false, " \u2047 ", "<s>", "</s>");
    }

    /** @param hasRules whether {@code precompiled_charsmap} is non-empty, i.e. normalization rewrites text */
    record NormalizerSpec(String name, boolean hasRules, boolean addDummyPrefix, boolean removeExtraWhitespaces,
            boolean escapeWhitespaces) {
        static final NormalizerSpec DEFAULTS = new NormalizerSpec("", false, true, true, true);
    }
}
