package lwm.engine.imagine;

/** What a running generation reports; called on the generating thread, between steps. */
public interface ImagineListener {
    ImagineListener NONE = new ImagineListener() {};

    /**
     * One sampled token.
     *
     * @param step index among all generated tokens (257 per frame)
     * @param guided the guided logits the token was sampled from (valid only during the call)
     * @param id the token kept: the sampled one, or 8192 at the end of a frame
     */
    default void onToken(int step, int totalSteps, float[] guided, int id) {}

    /** A frame's 256 codes are complete (row-major over 16×16). */
    default void onFrame(int frame, int[] codes) {}
}
