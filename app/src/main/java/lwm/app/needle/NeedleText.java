package lwm.app.needle;

import java.util.Arrays;
import java.util.List;
import lwm.engine.tokenizer.LlamaTokenizer;

/**
 * LWM's needle wording and insertion rule (reference/lwm.md §5.2, §5.3; {@code eval_needle.py},
 * {@code eval_needle_multi.py}). LWM measures the document in tiktoken's cl100k tokens; this uses the model's own
 * tokenizer, as the NIAH project does, since cl100k is not part of the model.
 */
public final class NeedleText {
    /** Room kept for the system prompt, question and answer ({@code final_context_length_buffer}). */
    public static final int LENGTH_BUFFER = 200;

    /** The cities needles name (one per needle; no city twice in a cell). */
    public static final List<String> CITIES = List.of(
            "Chicago", "Yangon", "Antananarivo", "Colombo", "Almaty", "Sydney", "Mexico City", "Seattle", "Lagos",
            "Amsterdam", "Belgrade", "Cairo", "Baghdad", "Damascus", "Kigali", "Dakar", "Sofia", "Victoria", "Tashkent",
            "Mumbai", "Barcelona", "Kinshasa", "Rabat", "Caracas", "Lima", "Quito", "Havana", "Tunis", "Accra",
            "Nairobi", "Kabul", "Tehran", "Riyadh", "Doha", "Dubai", "Muscat", "Karachi", "Lahore", "Dhaka",
            "Kathmandu", "Hanoi", "Bangkok", "Manila", "Jakarta", "Singapore", "Seoul", "Tokyo", "Osaka", "Beijing",
            "Shanghai", "Taipei", "Ulaanbaatar", "Moscow", "Kyiv", "Warsaw", "Prague", "Vienna", "Budapest",
            "Bucharest", "Athens", "Istanbul", "Rome", "Milan", "Madrid", "Lisbon", "Paris", "London", "Dublin", "Oslo",
            "Stockholm", "Helsinki", "Copenhagen", "Berlin", "Munich", "Zurich", "Brussels", "Montreal", "Toronto",
            "Vancouver", "Boston", "New York", "Miami", "Houston", "Denver", "Phoenix", "Los Angeles", "San Francisco",
            "Bogota", "Santiago", "Buenos Aires", "Montevideo", "Asuncion", "La Paz", "Brasilia", "Rio de Janeiro",
            "Sao Paulo", "Auckland", "Perth", "Melbourne", "Cape Town", "Addis Ababa");

    private NeedleText() {}

    public static String needle(String city, String number) {
        return "\nThe special magic " + city + " number is: " + number + "\n";
    }

    public static String question(String city) {
        return "What is the special magic " + city + " number?";
    }

    /** The multi-needle question: one city, or "for A, B, and C". */
    public static String multiQuestion(List<String> cities) {
        if (cities.size() == 1) {
            return "What is the special magic number for " + cities.get(0) + "?";
        }
        String head = String.join(", ", cities.subList(0, cities.size() - 1));
        return "What are the special magic numbers for " + head + ", and " + cities.get(cities.size() - 1) + "?";
    }

    public static String prompt(String context, String question) {
        return "You are a helpful assistant. USER: " + context + " " + question
                + " Don't give information outside the document or repeat your findings. Keep your response short and "
                + "direct. ASSISTANT: ";
    }

    public static String multiPrompt(String context, String question) {
        return "You are a helpful assistant. USER: " + context + " " + question
                + " Don't give information outside the document. ASSISTANT: ";
    }

    /**
     * {@code context} with {@code needle} inserted at {@code depthPercent}: the document is cut to fit
     * {@code budget} tokens with the needle, depth 100 appends, otherwise the insertion point moves back until the
     * token before it is a period.
     */
    public static String insert(LlamaTokenizer tokenizer, String context, String needle, int depthPercent, int budget) {
        int[] tokens = tokenizer.encode(context);
        int[] needleTokens = tokenizer.encode(needle);
        if (tokens.length + needleTokens.length > budget) {
            tokens = Arrays.copyOf(tokens, Math.max(0, budget - needleTokens.length));
        }
        int point = tokens.length;
        if (depthPercent < 100) {
            point = (int) ((long) tokens.length * depthPercent / 100);
            while (point > 0 && !isPeriod(tokenizer, tokens[point - 1])) {
                point--;
            }
        }
        int[] joined = new int[tokens.length + needleTokens.length];
        System.arraycopy(tokens, 0, joined, 0, point);
        System.arraycopy(needleTokens, 0, joined, point, needleTokens.length);
        System.arraycopy(tokens, point, joined, point + needleTokens.length, tokens.length - point);
        return tokenizer.decode(joined);
    }

    /** A token that is a full stop: "." (with or without SentencePiece's word-start mark). */
    static boolean isPeriod(LlamaTokenizer tokenizer, int id) {
        String piece = tokenizer.piece(id);
        return piece.equals(".") || piece.equals("▁.");
    }
}
