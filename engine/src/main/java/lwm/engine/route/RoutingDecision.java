package lwm.engine.route;

/**
 * The router's answer for one request, with the reason shown to the user.
 *
 * @param localBytes what running it locally would take
 * @param localBudget what the local engine may use
 */
public record RoutingDecision(Route route, String reason, long tokens, long localBytes, long localBudget) {}
