package lwm.app.store;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import lwm.engine.imagine.ImagineRequest;

/**
 * One generated image or clip: what was asked (LWM's parameters), with which model, and how far it got.
 *
 * @param file the PNG or MP4 once written, else null
 * @param framesDone frames whose codes were complete when the item was last updated
 * @param problem why it failed, or null
 */
public record GalleryItem(long id, ImagineRequest request, String model, Status status, int framesDone, Path file,
                          String problem, Duration elapsed, Instant created) {
    /**
     * RUNNING: being sampled (on disk only while its writer runs). DONE: the file holds every frame. STOPPED: the
     * user stopped it (the file holds the frames finished). INTERRUPTED: the writer died (found so at open). FAILED.
     */
    public enum Status { RUNNING, DONE, STOPPED, INTERRUPTED, FAILED }

    public boolean isVideo() {
        return request.frames() > 1;
    }
}
