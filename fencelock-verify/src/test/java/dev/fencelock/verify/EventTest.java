package dev.fencelock.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fencelock.verify.Event.Op;
import dev.fencelock.verify.Event.Type;
import org.junit.jupiter.api.Test;

class EventTest {

    @Test
    void anEventSurvivesItsHistoryLine() {
        Event event = new Event(123, 456, "c3", 17, Type.FAIL, Op.WRITE, 1795383805491675L, 8,
                "resource=redis reason=stale stored=1795383806497807");

        Event parsed = Event.parse(event.format());

        assertThat(parsed).isEqualTo(event);
        assertThat(parsed.leaseId()).isEqualTo("c3/17");
        assertThat(parsed.detail("stored")).isEqualTo("1795383806497807");
        assertThat(parsed.detail("missing")).isNull();
    }

    @Test
    void aDetailWithATabIsRefused() {
        assertThatThrownBy(() -> new Event(1, 1, "c1", 1, Type.OK, Op.ACQUIRE, 1, -1, "a\tb"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tab");
    }
}
