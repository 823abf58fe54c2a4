package lwm.app.store;

import java.util.List;

/**
 * One finished cell of a needle run: LWM's result entry (reference/lwm.md §5.2, §5.3).
 *
 * @param depthPercent the needle's depth; -1 for a multi-needle cell, whose needles each have their own
 * @param round LWM's {@code seed}: which round (haystack) the cell used
 * @param needles per needle its city, number and depth; the first {@code answers.size()} are the ones asked
 * @param answers the numbers asked for, in the question's order
 * @param correct per answer, whether the response contains it
 * @param score for imported judge-scored results, the judge's score (1-10), else -1
 */
public record NeedleCell(int contextLength, int depthPercent, int round, String question, List<Needle> needles,
                         List<String> answers, String response, List<Boolean> correct, double score, int promptTokens,
                         long elapsedMs) {
    public record Needle(String city, String number, int depthPercent) {}

    public NeedleCell {
        needles = List.copyOf(needles);
        answers = List.copyOf(answers);
        correct = List.copyOf(correct);
    }

    /** The cell's value in the heatmap: the fraction retrieved, or a judge's score scaled to 0..1. */
    public double value() {
        if (score >= 0) {
            return score / 10.0;
        }
        return correct.isEmpty() ? 0 : correct.stream().filter(c -> c).count() / (double) correct.size();
    }
}
