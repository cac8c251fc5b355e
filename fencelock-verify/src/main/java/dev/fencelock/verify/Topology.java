package dev.fencelock.verify;

import java.util.List;

/** The Redis servers that a scenario's clients lock on, started for the scenario and stopped after it. */
interface Topology extends AutoCloseable {

    /** What it is, for the report. */
    String describe();

    /** What the clients connect to: one URI (a server, or a Sentinel group), or one per Redlock master. */
    List<String> lockUris();

    @Override
    void close();
}
