package dev.fencelock.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fencelock.verify.Event.Op;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the fair queue's observer makes of {@code MONITOR} lines as Redis 7 prints them for the fair
 * lock's scripts (commands run by a script are marked {@code [0 lua]}).
 */
class FairQueueMonitorTest {
    private static final String QUEUE = "\"fencelock:{verify}:fair-queue\"";

    @TempDir
    Path dir;

    @Test
    void aScriptsJoinDropAndGrantAreRecordedWithTheTokenMintedForTheGrant() throws IOException {
        List<Event> events = observe(
                "+1764763200.000001 [0 127.0.0.1:50000] \"EVALSHA\" \"abc\" \"5\" \"fencelock:{verify}\"",
                "+1764763200.000002 [0 lua] \"ZADD\" " + QUEUE + " \"NX\" \"1764763200000002\" \"owner-b\"",
                "+1764763200.000003 [0 127.0.0.1:50001] \"EVALSHA\" \"abc\" \"5\" \"fencelock:{verify}\"",
                "+1764763200.000004 [0 lua] \"ZREM\" " + QUEUE + " \"owner-a\" \"owner-c\"",
                "+1764763200.000005 [0 lua] \"SET\" \"fencelock:{verify}\" \"owner-b\" \"PX\" \"1000\"",
                "+1764763200.000006 [0 lua] \"ZREM\" " + QUEUE + " \"owner-b\"",
                "+1764763200.000007 [0 lua] \"SET\" \"fencelock:{verify}:fence\" \"1764763200000005\" \"PX\" \"90000000\"",
                "+1764763200.000008 [0 127.0.0.1:50002] \"ZREM\" " + QUEUE + " \"owner-d\"",
                "+1764763200.000009 [0 127.0.0.1:50003] \"EVALSHA\" \"fed\" \"2\" " + QUEUE
                        + " \"fencelock:{verify}:fair-deadlines\" \"owner-e\"",
                "+1764763200.000010 [0 lua] \"ZREM\" " + QUEUE + " \"owner-e\"",
                "+1764763200.000011 [0 127.0.0.1:50000] \"EVALSHA\" \"abc\" \"5\" \"fencelock:{verify}\"",
                "+1764763200.000012 [0 lua] \"ZREM\" " + QUEUE + " \"owner-f\"");

        assertThat(events).extracting(Event::op)
                .containsExactly(Op.JOIN, Op.DROP, Op.DROP, Op.GRANT, Op.DROP, Op.DROP, Op.DROP);
        assertThat(events.get(0).value()).isEqualTo(1764763200000002L);
        assertThat(events.get(1).detail()).isEqualTo("owner=owner-a why=gone");
        assertThat(events.get(3).token()).isEqualTo(1764763200000005L);
        assertThat(events.get(3).detail("owner")).isEqualTo("owner-b");
        assertThat(events.get(4).detail()).as("a client taking itself off").isEqualTo("owner=owner-d why=left");
        assertThat(events.get(5).detail()).as("a client taking itself off with leave-queue.lua")
                .isEqualTo("owner=owner-e why=left");
        assertThat(events.get(6).detail()).as("a drop by the next acquire").isEqualTo("owner=owner-f why=gone");
    }

    @Test
    void aLockKeySetByOneScriptIsNoGrantOfTheNextScriptsFenceWrite() throws IOException {
        List<Event> events = observe(
                "+1.1 [0 lua] \"SET\" \"fencelock:{verify}\" \"owner-a\" \"PX\" \"1000\"",
                "+1.2 [0 127.0.0.1:50000] \"EVALSHA\" \"def\" \"3\"",
                "+1.3 [0 lua] \"SET\" \"fencelock:{verify}:fence\" \"17\" \"PX\" \"90000000\"");

        assertThat(events).isEmpty();
    }

    @Test
    void quotedArgumentsAreUnescaped() {
        assertThat(FairQueueMonitor.arguments(" \"SET\" \"a\\\"b\" \"c\\\\d\" \"\\x41\\n\""))
                .containsExactly("SET", "a\"b", "c\\d", "A\n");
    }

    private List<Event> observe(String... lines) throws IOException {
        Path file = dir.resolve("history-queue.log");
        FairQueueMonitor monitor = new FairQueueMonitor(null, new HistoryWriter(file, FairOrder.PROCESS));
        for (String line : lines) {
            monitor.observe(line);
        }
        monitor.close();
        return Files.readAllLines(file).stream().map(Event::parse).toList();
    }
}
