package lwm.engine.route;

/** Where a request runs. */
public enum Route {
    LOCAL,
    REMOTE
}
