package lwm.engine.imagine;

import java.time.Duration;
import java.util.List;
import lwm.engine.generate.StopReason;

/**
 * @param frames the complete frames' codes, 256 each (fewer than asked when cancelled)
 * @param ids every generated token, delimiters included
 */
public record ImagineResult(List<int[]> frames, int[] ids, StopReason stop, Duration elapsed) {
    public double tokensPerSecond() {
        return elapsed.isZero() ? 0 : ids.length / (elapsed.toNanos() / 1e9);
    }
}
