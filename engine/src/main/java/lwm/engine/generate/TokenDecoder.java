package lwm.engine.generate;

/** Turns generated ids into text as they arrive (holding back incomplete characters). */
public interface TokenDecoder {
    /** Text that became complete with {@code id}; may be empty. */
    String push(int id);

    /** Whatever is still held back at the end. */
    String flush();
}
