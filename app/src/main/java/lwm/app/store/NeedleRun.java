package lwm.app.store;

import java.time.Instant;

/**
 * A needle run: its spec as JSON (the needle lab's to read), the model it ran on, and how it stands.
 *
 * @param source null for a run made here; for an imported one, the file it came from
 */
public record NeedleRun(long id, String title, String spec, String model, Status status, String source, Instant created) {
    /** RUNNING only while its runner is alive; a run stopped or cut off resumes from its last stored cell. */
    public enum Status { RUNNING, DONE, STOPPED, INTERRUPTED, FAILED, IMPORTED }
}
