package lwm.engine.imagine;

import java.util.Arrays;
import lwm.engine.model.Head;
import lwm.engine.model.KvCache;
import lwm.engine.model.LlamaModel;

/**
 * The conditional and unconditional rows of classifier-free guidance (reference/lwm.md §4.2), each with its own KV
 * cache: LWM batches them as [cond, uncond], which computes the same thing row by row. Every step returns
 * {@code uncond + scale · (cond − uncond)} of the vision head, and the chosen token is fed to both rows. With a
 * scale of 1 the guided logits are the conditional row's, so the unconditional row is not run.
 */
final class GuidedRows implements AutoCloseable {
    private final LlamaModel model;
    private final float scale;
    private final KvCache cond;
    private final KvCache uncond;
    private float[] condLogits;
    private float[] uncondLogits;

    /**
     * Runs both prompts, each followed by {@code visionContext} (frames already generated, in the vision vocabulary).
     *
     * @param newTokens how many tokens will be fed after the prompts
     */
    GuidedRows(LlamaModel model, int[] condPrompt, int[] uncondPrompt, int[] visionContext, float scale, int newTokens) {
        this.model = model;
        this.scale = scale;
        KvCache c = model.newCache(condPrompt.length + visionContext.length + newTokens);
        KvCache u = null;
        try {
            condLogits = prefill(c, condPrompt, visionContext);
            if (scale != 1f) {
                u = model.newCache(uncondPrompt.length + visionContext.length + newTokens);
                uncondLogits = prefill(u, uncondPrompt, visionContext);
            }
        } catch (RuntimeException e) {
            c.close();
            if (u != null) {
                u.close();
            }
            throw e;
        }
        this.cond = c;
        this.uncond = u;
    }

    private float[] prefill(KvCache cache, int[] prompt, int[] visionContext) {
        int[] ids = Arrays.copyOf(prompt, prompt.length + visionContext.length);
        System.arraycopy(visionContext, 0, ids, prompt.length, visionContext.length);
        boolean[] mask = new boolean[ids.length];
        Arrays.fill(mask, prompt.length, ids.length, true);
        return model.forward(cache, ids, mask, new int[] {ids.length - 1}, Head.VISION)[0];
    }

    /** The guided logits of the next token (8448 vision ids). */
    float[] guided() {
        if (uncond == null) {
            return condLogits;
        }
        float[] out = new float[condLogits.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = uncondLogits[i] + scale * (condLogits[i] - uncondLogits[i]);
        }
        return out;
    }

    /** Appends {@code id} (a vision id) to both rows. */
    void feed(int id) {
        condLogits = model.decode(cond, id, Head.VISION);
        if (uncond != null) {
            uncondLogits = model.decode(uncond, id, Head.VISION);
        }
    }

    @Override
    public void close() {
        cond.close();
        if (uncond != null) {
            uncond.close();
        }
    }
}
