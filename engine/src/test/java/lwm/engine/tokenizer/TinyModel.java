package lwm.engine.tokenizer;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A hand-made LLaMA-layout vocabulary small enough to work out encodings by hand; the expected values in the tests
 * were also checked against Python sentencepiece 0.2.2 loading the same file.
 */
final class TinyModel {
    // Ids of the pieces the tests name, in the order file() adds them.
    static final int UNK = 0;
    static final int BOS = 1;
    static final int EOS = 2;
    static final int A = 259;
    static final int B = 260;
    static final int SPACE = 262;
    static final int BC = 264;
    static final int SPACE_AB = 265;
    static final int AA = 266;
    static final int XY = 268;
    static final int W = 269;
    static final int TWO_SPACES = 272;
    static final int SIZE = 273;

    private TinyModel() {}

    static ModelFile file() {
        return ModelFile.llama()
                .piece("a", -20).piece("b", -20).piece("c", -20).piece("▁", -20)
                .piece("ab", -5).piece("bc", -3).piece("▁ab", -4).piece("aa", -6)
                // Python sentencepiece 0.2.2 ranks 0.0 above -0.0 (0.2.0 lets them tie).
                .piece("wx", -0.0f).piece("xy", 0.0f)
                .piece("w", -20).piece("x", -20).piece("y", -20).piece("▁▁", -7);
    }

    static LlamaTokenizer load(Path dir) throws IOException {
        return LlamaTokenizer.load(file().write(dir.resolve("tokenizer.model")));
    }

    /** The id of the byte-fallback piece for {@code value}. */
    static int byteId(int value) {
        return 3 + value;
    }
}
