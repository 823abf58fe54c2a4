package lwm.engine.model;

import java.io.IOException;
import lwm.engine.OneLine;

/** A model directory whose files are readable but do not describe a consistent LLaMA/LWM model. */
public final class InvalidModelException extends IOException {
    public InvalidModelException(String message) {
        super(OneLine.of(message));
    }
}
