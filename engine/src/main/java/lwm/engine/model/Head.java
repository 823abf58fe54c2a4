package lwm.engine.model;

/** Which output head produces logits: the text vocabulary or LWM's vision vocabulary (reference/lwm.md §1.5). */
public enum Head {
    TEXT,
    VISION
}
