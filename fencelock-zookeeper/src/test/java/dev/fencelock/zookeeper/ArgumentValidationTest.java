package dev.fencelock.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Bad options fail where they are given, with a message that names the option, the range and the value. */
class ArgumentValidationTest {

    @ParameterizedTest
    @ValueSource(strings = {"", "localhost", "localhost:", ":2181", "host:0", "host:65536", "host:21x1", "a:1,,b:2", "a:1/"})
    void aConnectStringMustBeHostsAndPorts(String connectString) {
        assertThatThrownBy(() -> ZooKeeperLockOptions.builder(connectString))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("connectString");
    }

    @Test
    void aConnectStringMayNameSeveralServersAndAChroot() {
        ZooKeeperLockOptions options = ZooKeeperLockOptions.builder("zk1:2181,zk2:2182,[::1]:2183/apps/locks").build();

        assertThat(options.connectString()).isEqualTo("zk1:2181,zk2:2182,[::1]:2183/apps/locks");
        assertThat(options.rootPath()).isEqualTo(ZooKeeperLockOptions.DEFAULT_ROOT_PATH);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/", "locks", "/locks/", "/a//b", "/a/./b", "/a/..", "/tab\there"})
    void theRootPathMustBeAnAbsolutePathZooKeeperAccepts(String rootPath) {
        assertThatThrownBy(() -> ZooKeeperLockOptions.builder("zk:2181").rootPath(rootPath))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rootPath")
                .hasMessageContaining(rootPath);
    }

    @Test
    void timeoutsAreCheckedWhereTheyAreGiven() {
        ZooKeeperLockOptions.Builder builder = ZooKeeperLockOptions.builder("zk:2181");

        assertThatThrownBy(() -> builder.sessionTimeout(Duration.ofMillis(500)))
                .hasMessage("sessionTimeout must be between PT1S and PT10M, was PT0.5S");
        assertThatThrownBy(() -> builder.callTimeout(Duration.ZERO)).hasMessageContaining("callTimeout");
        assertThatThrownBy(() -> builder.connectionTimeout(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("connectionTimeout");
        assertThatThrownBy(() -> builder.outageAllowance(Duration.ofMillis(-1)))
                .hasMessage("outageAllowance must be between PT0S and PT24H, was PT-0.001S");
        assertThat(builder.build().outageAllowance()).as("the default").isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void theSessionMustLeaveTimeForARenewalToTimeOutAndBeRetried() {
        ZooKeeperLockOptions.Builder builder = ZooKeeperLockOptions.builder("zk:2181")
                .sessionTimeout(Duration.ofSeconds(3)).callTimeout(Duration.ofSeconds(1));

        assertThatThrownBy(builder::build).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sessionTimeout (PT3S)").hasMessageContaining("callTimeout PT1S");
    }
}
