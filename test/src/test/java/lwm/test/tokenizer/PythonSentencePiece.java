package lwm.test.tokenizer;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Python sentencepiece from the fixtures' venv (system property {@code lwm.venv}), asked in one batch for the
 * encodings of texts and the decodings of id sequences. Tests skip when the venv is absent.
 */
final class PythonSentencePiece {
    private static final String SCRIPT = String.join("\n",
            "import json, sys",
            "import sentencepiece as spm",
            "sp = spm.SentencePieceProcessor(model_file=sys.argv[1])",
            "with open(sys.argv[2], encoding='utf-8') as f:",
            "    request = json.load(f)",
            "encoded = [sp.encode(t) for t in request['texts']]",
            "answer = {'encoded': encoded, 'encoded_decoded': [sp.decode(ids) for ids in encoded],",
            "          'decoded': [sp.decode(ids) for ids in request['ids']]}",
            "with open(sys.argv[3], 'w', encoding='utf-8') as f:",
            "    json.dump(answer, f)");

    private PythonSentencePiece() {}

    /**
     * @param encoded {@code sp.encode} of each text
     * @param encodedDecoded {@code sp.decode} of each of those encodings (not always the text: "▁" reads as a space)
     * @param decoded {@code sp.decode} of each id sequence
     */
    record Answer(List<int[]> encoded, List<String> encodedDecoded, List<String> decoded) {}

    static Answer ask(Path model, List<String> texts, List<int[]> ids, Path workDir)
            throws IOException, InterruptedException {
        String venv = System.getProperty("lwm.venv");
        assumeTrue(venv != null, "system property lwm.venv not set (run through Maven: mvn verify)");
        Path python = Path.of(venv, "bin", "python");
        assumeTrue(Files.isExecutable(python), "no Python venv at " + venv);
        ObjectMapper json = new ObjectMapper();
        Path request = workDir.resolve("request.json");
        Path answer = workDir.resolve("answer.json");
        json.writeValue(request.toFile(), Map.of("texts", texts, "ids", ids));
        Path log = workDir.resolve("python.log");
        Process process = new ProcessBuilder(python.toString(), "-c", SCRIPT, model.toString(), request.toString(),
                answer.toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("Python sentencepiece did not answer within 120 s");
        }
        if (process.exitValue() != 0) {
            throw new AssertionError("Python sentencepiece failed: " + Files.readString(log));
        }
        JsonNode root = json.readTree(answer.toFile());
        List<int[]> encoded = new ArrayList<>();
        for (JsonNode row : root.get("encoded")) {
            int[] out = new int[row.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = row.get(i).asInt();
            }
            encoded.add(out);
        }
        return new Answer(encoded, strings(root.get("encoded_decoded")), strings(root.get("decoded")));
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(text -> out.add(text.asText()));
        return out;
    }
}
