/**
 * Spring Boot auto-configuration for Fencelock: a {@code LockClient} from
 * {@code spring.data.redis.*} and {@code fencelock.*}, Micrometer meters, an Actuator health
 * indicator and a Spring Integration {@code LockRegistry}. Only the auto-configuration classes
 * and the properties are exported; Spring reaches the rest by reflection.
 */
// Spring and Micrometer name their modules in their manifests only.
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module dev.fencelock.spring {
    requires transitive dev.fencelock.redis;
    requires transitive spring.boot;
    requires transitive spring.boot.autoconfigure;
    requires transitive spring.context;
    requires static transitive micrometer.core;
    requires static transitive spring.boot.actuator;
    requires static transitive spring.boot.actuator.autoconfigure;
    requires static transitive spring.integration.core;
    requires org.slf4j;

    exports dev.fencelock.spring;
    // Spring creates the auto-configurations and binds the properties by reflection.
    opens dev.fencelock.spring;
}
