package lwm.engine.generate;

/** Something that runs a {@link GenerationRequest}: the local {@link Generator} or the remote backend's client. */
public interface TextEngine {
    /**
     * Runs the request, reporting progress and tokens to the listener, and ends with exactly one
     * {@link GenerationEvent.Finished} or {@link GenerationEvent.Failed}.
     */
    GenerationResult generate(GenerationRequest request, GenerationListener listener, CancellationToken cancel);
}
