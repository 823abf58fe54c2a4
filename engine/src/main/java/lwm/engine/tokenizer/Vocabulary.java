package lwm.engine.tokenizer;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A validated SentencePiece vocabulary with the lookups that encoding and decoding need. Only LLaMA's configuration
 * is accepted — BPE, identity normalization, spaces escaped as "▁" with a dummy prefix, byte fallback — because
 * anything else needs normalization rules or segmentation this engine does not implement; such files are refused
 * when loaded rather than tokenized differently from SentencePiece.
 */
final class Vocabulary {
    /** SentencePiece's escaped space, U+2581 "▁". */
    static final char SPACE = '\u2581';

    private static final long BPE = 2;
    private static final String[] MODEL_TYPES = {"unigram", "BPE", "word", "char"};

    private final String[] pieces;
    private final float[] scores;
    private final PieceType[] types;
    private final Map<String, Integer> ids;
    private final int[] byteIds = new int[256];
    private final int[] byteValues;
    private final String[] surfaces;
    private final int unk;
    private final int bos;
    private final int eos;
    private final boolean addDummyPrefix;

    private Vocabulary(ModelProto model, Path file) throws InvalidTokenizerException {
        List<ModelProto.Piece> list = model.pieces();
        int size = list.size();
        pieces = new String[size];
        scores = new float[size];
        types = new PieceType[size];
        ids = new HashMap<>(size * 2);
        byteValues = new int[size];
        surfaces = new String[size];
        Arrays.fill(byteIds, -1);
        int unknown = -1;
        for (int id = 0; id < size; id++) {
            ModelProto.Piece piece = list.get(id);
            pieces[id] = piece.text();
            scores[id] = piece.score();
            types[id] = piece.type();
            byteValues[id] = -1;
            checkPiece(piece, id, file);
            Integer previous = ids.put(piece.text(), id);
            if (previous != null) {
                throw invalid(file, "piece \"" + piece.text() + "\" occurs twice: ids " + previous + ", " + id);
            }
            switch (piece.type()) {
                case UNKNOWN -> {
                    if (unknown >= 0) {
                        throw invalid(file, "two unknown pieces (ids " + unknown + " and " + id + ")");
                    }
                    unknown = id;
                    surfaces[id] = model.trainer().unkSurface();
                }
                case CONTROL -> surfaces[id] = "";
                case BYTE -> {
                    int value = Integer.parseInt(piece.text().substring(3, 5), 16);
                    byteIds[value] = id;
                    byteValues[id] = value;
                }
                default -> surfaces[id] = piece.text().replace(SPACE, ' ');
            }
        }
        if (unknown < 0) {
            throw invalid(file, "has no unknown piece (<unk>)");
        }
        for (int b = 0; b < byteIds.length; b++) {
            if (byteIds[b] < 0) {
                throw invalid(file, "byte fallback piece " + bytePiece(b) + " is missing");
            }
        }
        unk = unknown;
        bos = controlId(model.trainer().bosPiece(), "beginning-of-sequence", file);
        eos = controlId(model.trainer().eosPiece(), "end-of-sequence", file);
        addDummyPrefix = model.normalizer().addDummyPrefix();
    }

    /** Checks that {@code model} is a LLaMA-style SentencePiece model and indexes it. */
    static Vocabulary of(ModelProto model, Path file) throws InvalidTokenizerException {
        checkSupported(model, file);
        return new Vocabulary(model, file);
    }

    private static void checkSupported(ModelProto model, Path file) throws InvalidTokenizerException {
        if (model.pieces().isEmpty()) {
            throw invalid(file, "not a SentencePiece model (no vocabulary pieces)");
        }
        if (model.trainer() == null || model.normalizer() == null) {
            throw invalid(file, "not a complete SentencePiece model (no " + (model.trainer() == null ? "trainer_spec"
                    : "normalizer_spec") + "; truncated?)");
        }
        ModelProto.TrainerSpec trainer = model.trainer();
        ModelProto.NormalizerSpec normalizer = model.normalizer();
        if (trainer.modelType() != BPE) {
            long type = trainer.modelType();
            String name = type >= 1 && type <= MODEL_TYPES.length ? MODEL_TYPES[(int) type - 1] : "type " + type;
            throw unsupported(file, "a " + name + " model");
        }
        if (normalizer.hasRules()) {
            throw unsupported(file, "normalization rules (\"" + normalizer.name() + "\")");
        }
        if (model.hasDenormalizerRules()) {
            throw unsupported(file, "denormalization rules");
        }
        if (normalizer.removeExtraWhitespaces()) {
            throw unsupported(file, "remove_extra_whitespaces");
        }
        if (!normalizer.escapeWhitespaces()) {
            throw unsupported(file, "unescaped whitespace (escape_whitespaces=false)");
        }
        if (trainer.treatWhitespaceAsSuffix()) {
            throw unsupported(file, "treat_whitespace_as_suffix");
        }
        if (!trainer.byteFallback()) {
            throw unsupported(file, "no byte fallback");
        }
    }

    private static void checkPiece(ModelProto.Piece piece, int id, Path file) throws InvalidTokenizerException {
        if (piece.text().isEmpty()) {
            throw invalid(file, "piece " + id + " is empty");
        }
        if (Float.isNaN(piece.score())) {
            throw invalid(file, "piece " + id + " has a NaN score");
        }
        if (piece.type() == PieceType.USER_DEFINED || piece.type() == PieceType.UNUSED) {
            throw unsupported(file, piece.type() + " piece \"" + piece.text() + "\" (id " + id + ")");
        }
        if (piece.type() == PieceType.BYTE && !piece.text().matches("<0x[0-9A-F]{2}>")) {
            throw invalid(file, "byte piece " + id + " is \"" + piece.text() + "\", not of the form <0xNN>");
        }
    }

    private int controlId(String piece, String role, Path file) throws InvalidTokenizerException {
        Integer id = ids.get(piece);
        if (id == null || types[id] != PieceType.CONTROL) {
            throw invalid(file, "has no " + role + " control piece " + piece);
        }
        return id;
    }

    private static InvalidTokenizerException invalid(Path file, String problem) {
        return new InvalidTokenizerException(file + ": " + problem);
    }

    private static InvalidTokenizerException unsupported(Path file, String feature) {
        return invalid(file, "unsupported SentencePiece model: " + feature
                + "; LWM needs LLaMA's tokenizer (BPE, identity normalization, byte fallback)");
    }

    static String bytePiece(int value) {
        return String.format("<0x%02X>", value);
    }

    int size() {
        return pieces.length;
    }

    String piece(int id) {
        return pieces[id];
    }

    int unk() {
        return unk;
    }

    int bos() {
        return bos;
    }

    int eos() {
        return eos;
    }

    boolean addDummyPrefix() {
        return addDummyPrefix;
    }

    float score(int id) {
        return scores[id];
    }

    /** The id of a piece that BPE may merge into, or -1 (control, unknown and byte pieces are never merge results). */
    int mergeableId(String piece) {
        Integer id = ids.get(piece);
        return id != null && types[id] == PieceType.NORMAL ? id : -1;
    }

    /** The id of a segmented symbol: its piece, or the unknown id when the vocabulary lacks it. */
    int idOrUnknown(String piece) {
        return ids.getOrDefault(piece, unk);
    }

    int byteId(int value) {
        return byteIds[value];
    }

    /** The byte a byte-fallback piece stands for, or -1 for other pieces. */
    int byteValue(int id) {
        return byteValues[id];
    }

    /** What a non-byte piece reads as in decoded text: "▁" as space, control pieces empty, unknown as its surface. */
    String surface(int id) {
        return surfaces[id];
    }

    /** Whether decoding may drop this piece's leading "▁" as the dummy prefix. */
    boolean startsWithSpace(int id) {
        return types[id] == PieceType.NORMAL && pieces[id].charAt(0) == SPACE;
    }

    void checkId(int id) {
        if (id < 0 || id >= pieces.length) {
            throw new IllegalArgumentException(
                    "token id " + id + " is outside the vocabulary of size " + pieces.length);
        }
    }
}
