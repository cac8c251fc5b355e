/**
 * Spring Boot auto-configuration for Fencelock: a {@code LockClient} from
 * {@code spring.data.redis.*} and {@code fencelock.*}, Micrometer meters, an Actuator health
 * indicator and a Spring Integration {@code LockRegistry}. Only the auto-configuration classes
 * and the properties are exported; Spring reaches the rest by reflection.
 */
module dev.fencelock.spring {
    requires transitive dev.fencelock.redis;
    requires spring.boot;
    requires spring.boot.autoconfigure;
    requires spring.context;
    requires static micrometer.core;
    requires static spring.boot.actuator;
    requires static spring.boot.actuator.autoconfigure;
    requires static spring.integration.core;

    exports dev.fencelock.spring;
    opens dev.fencelock.spring to spring.core, spring.beans, spring.context;
}
