package lwm.test.tokenizer;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The fixture tokenizer made by test/scripts/make_fixtures.py ({@code tokenizer/tokenizer.model}, a LLaMA-style
 * SentencePiece BPE with vocab 512, and {@code tokenizer/golden.json} from Python sentencepiece; test/FIXTURES.md).
 * Tests skip when the fixtures have not been generated.
 */
final class TokenizerFixtures {
    private TokenizerFixtures() {}

    static Path dir() {
        String root = System.getProperty("lwm.fixtures");
        assumeTrue(root != null, "system property lwm.fixtures not set (run through Maven: mvn verify)");
        Path dir = Path.of(root, "tokenizer");
        boolean present = Files.isRegularFile(dir.resolve("tokenizer.model"))
                && Files.isRegularFile(dir.resolve("golden.json"));
        assumeTrue(present, "tokenizer fixtures not generated in " + dir);
        return dir;
    }

    static Path model() {
        return dir().resolve("tokenizer.model");
    }

    /** One golden tokenization: {@code ids = sp.encode(text)}, their pieces, {@code decoded = sp.decode(ids)}. */
    record Case(String text, int[] ids, List<String> pieces, String decoded) {}

    /** golden.json: the vocabulary's size and special ids, and the golden tokenizations. */
    record Golden(int vocabSize, int bos, int eos, List<Case> cases) {
        Case find(String text) {
            return cases.stream().filter(c -> c.text().equals(text)).findFirst()
                    .orElseThrow(() -> new AssertionError("golden.json has no case " + text));
        }
    }

    static Golden golden() throws IOException {
        JsonNode json = new ObjectMapper().readTree(dir().resolve("golden.json").toFile());
        List<Case> cases = new ArrayList<>();
        for (JsonNode c : json.get("cases")) {
            List<String> pieces = new ArrayList<>();
            c.get("pieces").forEach(p -> pieces.add(p.asText()));
            cases.add(new Case(c.get("text").asText(), ints(c.get("ids")), pieces, c.get("decoded").asText()));
        }
        return new Golden(json.get("vocab_size").asInt(), json.get("bos_id").asInt(), json.get("eos_id").asInt(),
                List.copyOf(cases));
    }

    /** {@code text} in quotes with control and non-ASCII characters escaped, for test names and messages. */
    static String quote(String text) {
        StringBuilder out = new StringBuilder("\"");
        text.codePoints().forEach(c -> out.append(c < 0x20 || c > 0x7E ? String.format("\\u{%x}", c)
                : Character.toString(c)));
        return out.append('"').toString();
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }
}
