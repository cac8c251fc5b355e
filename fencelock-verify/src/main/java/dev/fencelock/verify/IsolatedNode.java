package dev.fencelock.verify;

/**
 * A Redis node that runs in a network namespace of its own, so that its link can be cut.
 *
 * @param node the node
 * @param namespace its namespace
 */
record IsolatedNode(FaultableRedis node, NetworkNamespace namespace) {}
