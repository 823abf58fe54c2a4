package lwm.app.needle;

import java.time.Duration;
import lwm.app.store.NeedleCell;

/** What a needle run reports as it goes. */
public sealed interface NeedleEvent {
    /** A cell is being asked ({@code done} finished so far of {@code total}). */
    record CellStarted(int contextLength, int depthPercent, int round, int done, int total) implements NeedleEvent {}

    /** A cell finished and is stored; the estimate is from this run's cells so far. */
    record CellDone(NeedleCell cell, int done, int total, Duration elapsed, Duration eta) implements NeedleEvent {}
}
