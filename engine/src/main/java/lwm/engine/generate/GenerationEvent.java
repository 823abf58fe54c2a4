package lwm.engine.generate;

import java.time.Duration;

/** What a running generation reports, in order: notices, prefill progress, tokens, then exactly one of finished or failed. */
public sealed interface GenerationEvent {
    /** After each prefill chunk; {@code eta} extrapolates the rate so far. */
    record PrefillProgress(int processed, int total, Duration elapsed, Duration eta) implements GenerationEvent {}

    /** One generated token; {@code textDelta} is empty while a multi-byte character is incomplete or without a tokenizer. */
    record TokenGenerated(int index, int id, String textDelta) implements GenerationEvent {}

    /** Which engine runs the request and why (the router's decision), or another notice worth showing the user. */
    record Notice(String message) implements GenerationEvent {}

    record Finished(GenerationResult result) implements GenerationEvent {}

    record Failed(Exception error) implements GenerationEvent {}
}
