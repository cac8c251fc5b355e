/**
 * Fencelock's API ({@code dev.fencelock}) and the engine behind it, with the store SPI
 * ({@code dev.fencelock.spi}) that backends implement. No backend lives here.
 */
module dev.fencelock.core {
    requires org.slf4j;

    exports dev.fencelock;
    exports dev.fencelock.spi;
}
