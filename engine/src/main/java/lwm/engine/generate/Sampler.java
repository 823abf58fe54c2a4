package lwm.engine.generate;

import java.util.Arrays;
import java.util.Random;

/** Picks token ids from logits per {@link SamplingParams}; the same seed gives the same sequence. */
public final class Sampler {
    private final SamplingParams params;
    private final Random random;

    public Sampler(SamplingParams params) {
        this(params, new Random(params.seed()));
    }

    /** A sampler drawing from {@code random} (its seed is then ignored), so several phases share one stream. */
    public Sampler(SamplingParams params, Random random) {
        this.params = params;
        this.random = random;
    }

    public int sample(float[] logits) {
        if (params.greedy()) {
            return argmax(logits);
        }
        Integer[] order = candidates(logits);
        double[] probabilities = softmax(logits, order);
        int kept = nucleus(probabilities);
        double total = 0;
        for (int i = 0; i < kept; i++) {
            total += probabilities[i];
        }
        double r = random.nextDouble() * total;
        for (int i = 0; i < kept - 1; i++) {
            r -= probabilities[i];
            if (r < 0) {
                return order[i];
            }
        }
        return order[kept - 1];
    }

    /** The first index of the largest logit (ties go to the lower id, as torch.argmax does). */
    public static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    /** Token ids by descending logit, cut to the top-k. */
    private Integer[] candidates(float[] logits) {
        Integer[] order = new Integer[logits.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> {
            int byLogit = Float.compare(logits[b], logits[a]);
            return byLogit != 0 ? byLogit : Integer.compare(a, b);
        });
        int k = params.topK() > 0 ? Math.min(params.topK(), order.length) : order.length;
        return Arrays.copyOf(order, k);
    }

    private double[] softmax(float[] logits, Integer[] order) {
        double max = logits[order[0]] / (double) params.temperature();
        double[] p = new double[order.length];
        double sum = 0;
        for (int i = 0; i < order.length; i++) {
            p[i] = Math.exp(logits[order[i]] / (double) params.temperature() - max);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    /** How many of the (descending) probabilities form the smallest prefix whose mass reaches top-p. */
    private int nucleus(double[] probabilities) {
        if (params.topP() >= 1) {
            return probabilities.length;
        }
        double mass = 0;
        for (int i = 0; i < probabilities.length; i++) {
            mass += probabilities[i];
            if (mass >= params.topP()) {
                return i + 1;
            }
        }
        return probabilities.length;
    }
}
