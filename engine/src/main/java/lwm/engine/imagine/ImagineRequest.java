package lwm.engine.imagine;

import java.util.Objects;

/**
 * One text-to-image ({@code frames} = 1) or text-to-video request, as LWM's {@code vision_generation.py} takes it:
 * the first frame is sampled with the image parameters from the image prompt, later frames with the video
 * parameters from the video prompt followed by the first frame (reference/lwm.md §4.1).
 */
public record ImagineRequest(String prompt, int frames, ModalityParams image, ModalityParams video, long seed) {
    /** LWM's default seed. */
    public static final long DEFAULT_SEED = 1234;

    public ImagineRequest {
        Objects.requireNonNull(image, "image parameters");
        Objects.requireNonNull(video, "video parameters");
        if (prompt == null || prompt.isBlank()) {
            throw new IllegalArgumentException("the prompt is empty; say what to draw");
        }
        if (frames < 1) {
            throw new IllegalArgumentException("frames must be >= 1, got " + frames);
        }
    }

    public static ImagineRequest of(String prompt, int frames, long seed) {
        return new ImagineRequest(prompt, frames, ModalityParams.IMAGE, ModalityParams.VIDEO, seed);
    }

    public ImagineRequest withSeed(long newSeed) {
        return new ImagineRequest(prompt, frames, image, video, newSeed);
    }
}
