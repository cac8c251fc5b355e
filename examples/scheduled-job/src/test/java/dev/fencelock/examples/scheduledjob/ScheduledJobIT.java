package dev.fencelock.examples.scheduledjob;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fencelock.testkit.ChildJvm;
import dev.fencelock.testkit.Poll;
import dev.fencelock.testkit.RedisServer;
import dev.fencelock.testkit.RedisTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * The example as a fleet: three instances of the application in three JVMs against one
 * redis-server, on a three-second tick. Every tick runs exactly once across them (counted in the run
 * ledger in Redis), and SIGKILL of the instance running a job, mid-job, lets the next tick run on
 * another instance: lockAtMostFor (2 s) ends the dead instance's lock before the next tick. The
 * margins, for three Spring JVMs that share a loaded machine: a scheduler may fire 1.8 s late
 * (lockAtLeastFor) without running a tick twice, the kill may land 1.4 s late (the job's work),
 * and the dead instance's lock ends 1 s before the next tick.
 */
@RedisTest
class ScheduledJobIT {
    private static final int TICK_SECONDS = 3;
    private static final int TICKS_BEFORE_KILL = 6;
    private static final int TICKS_AFTER_KILL = 3;

    @Test
    void everyTickRunsOnceAcrossThreeInstancesAndKillingTheRunnerHandsTheNextTickOn(RedisServer redis) throws Exception {
        Map<String, ChildJvm> instances = new LinkedHashMap<>();
        try {
            for (String name : List.of("a", "b", "c")) {
                instances.put(name, ChildJvm.start(ScheduledJobApplication.class, arguments(redis, name)));
            }
            for (ChildJvm instance : instances.values()) {
                instance.awaitLine("Started ScheduledJobApplication", Duration.ofSeconds(90));
            }
            // Counted from here: every instance is up, so that a cold start cannot blur a tick.
            int startedAt = ledger(redis).size();
            Poll.until(TICKS_BEFORE_KILL + " ticks", Duration.ofSeconds(TICK_SECONDS * TICKS_BEFORE_KILL + 20),
                    () -> startedTicks(redis, startedAt).size() >= TICKS_BEFORE_KILL);

            Run victim = killTheNextRunner(redis, instances);
            Poll.until(TICKS_AFTER_KILL + " ticks after the kill", Duration.ofSeconds(TICK_SECONDS * TICKS_AFTER_KILL + 20),
                    () -> startedTicks(redis, startedAt).lastKey() >= victim.tick + TICKS_AFTER_KILL);

            List<Run> runs = runs(redis, startedAt);
            TreeMap<Long, List<Run>> started = startedTicks(redis, startedAt);
            assertThat(started.values()).as("runs started per tick, tick by tick: %s", runs)
                    .allSatisfy(perTick -> assertThat(perTick).hasSize(1));
            assertThat(started.keySet()).as("no tick missed").containsExactlyElementsOf(
                    LongStream.rangeClosed(started.firstKey(), started.lastKey()).boxed().toList());
            assertThat(runs).as("the killed run never finished")
                    .noneMatch(run -> run.tick == victim.tick && !run.event.equals("started"));
            assertThat(started.get(victim.tick + 1).get(0).instance).as("the tick after the kill ran elsewhere")
                    .isNotEqualTo(victim.instance);
            assertThat(runs).as("no fenced write refused").noneMatch(run -> run.event.equals("refused"));
            Set<Long> done = runs.stream().filter(run -> run.event.equals("done")).map(Run::tick).collect(Collectors.toSet());
            // The last tick's run may still be working.
            assertThat(started.headMap(started.lastKey()).keySet()).as("ticks whose run finished")
                    .allMatch(tick -> tick == victim.tick || done.contains(tick));
            List<Long> tokens = started.values().stream().map(perTick -> perTick.get(0).token).toList();
            assertThat(tokens).as("fencing tokens, tick by tick").isSorted().doesNotHaveDuplicates();
        } finally {
            for (ChildJvm instance : instances.values()) {
                instance.close();
            }
        }
    }

    /** Waits for the next run to start, and kills its instance with SIGKILL while the job works. */
    private static Run killTheNextRunner(RedisServer redis, Map<String, ChildJvm> instances) throws Exception {
        int seen = ledger(redis).size();
        Poll.until("the next run", Duration.ofSeconds(10),
                () -> runs(redis, seen).stream().anyMatch(run -> run.event.equals("started")));
        Run victim = runs(redis, seen).stream().filter(run -> run.event.equals("started")).findFirst().orElseThrow();
        instances.get(victim.instance).kill();
        return victim;
    }

    private static String[] arguments(RedisServer redis, String instance) {
        return new String[] {
            "--redis.url=" + redis.uri(),
            "--example.instance=" + instance,
            "--example.tick-seconds=" + TICK_SECONDS,
            "--example.lock-at-most-for=PT2S",
            "--example.lock-at-least-for=PT1.8S",
            "--example.work=PT1.4S",
            // Log lines start with their message, so that the test can await one.
            "--logging.pattern.console=%m%n",
        };
    }

    /** The runs started from the ledger's entry {@code from} on, by tick. */
    private static TreeMap<Long, List<Run>> startedTicks(RedisServer redis, int from) {
        return runs(redis, from).stream().filter(run -> run.event.equals("started"))
                .collect(Collectors.groupingBy(run -> run.tick, TreeMap::new, Collectors.toList()));
    }

    private static List<Run> runs(RedisServer redis, int from) {
        List<String> ledger = ledger(redis);
        List<Run> runs = new ArrayList<>();
        for (String entry : ledger.subList(Math.min(from, ledger.size()), ledger.size())) {
            String[] fields = entry.split(" ");
            runs.add(new Run(Long.parseLong(fields[0]), fields[1], Long.parseLong(fields[2]), fields[3]));
        }
        return runs;
    }

    @SuppressWarnings("unchecked")
    private static List<String> ledger(RedisServer redis) {
        return ((List<Object>) redis.call("LRANGE", RunLedger.KEY, "0", "-1")).stream().map(String::valueOf).toList();
    }

    /** One ledger entry: a run of a tick by an instance with a token, started, done or refused. */
    private record Run(long tick, String instance, long token, String event) {}
}
