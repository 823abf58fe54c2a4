package lwm.app.gallery;

import java.time.Duration;
import lwm.app.store.GalleryItem;
import lwm.media.RgbImage;

/** What a generation reports, in order: Started, then Progress and Preview as it samples, then Finished. */
public sealed interface ImagineEvent {
    /** The item is recorded (RUNNING). */
    record Started(GalleryItem item) implements ImagineEvent {}

    /** Tokens sampled of all the request needs, and an estimate of the time left. */
    record Progress(int step, int totalSteps, Duration elapsed, Duration eta) implements ImagineEvent {}

    /**
     * A frame decoded from the codes sampled so far: {@code rows} of its 16 code rows are final (16 once the frame is
     * complete); the rows below are a guess until then. Previews of a frame may be skipped when decoding falls
     * behind; a complete frame never is.
     */
    record Preview(int frame, int rows, RgbImage image) implements ImagineEvent {}

    /** The item as stored at the end: DONE, STOPPED or FAILED. */
    record Finished(GalleryItem item) implements ImagineEvent {}
}
