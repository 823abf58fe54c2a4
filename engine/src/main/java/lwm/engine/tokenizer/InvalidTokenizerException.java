package lwm.engine.tokenizer;

import java.io.IOException;
import lwm.engine.OneLine;

/** A {@code tokenizer.model} that is readable but is not a SentencePiece model this engine can use. */
public final class InvalidTokenizerException extends IOException {
    public InvalidTokenizerException(String message) {
        super(OneLine.of(message));
    }
}
