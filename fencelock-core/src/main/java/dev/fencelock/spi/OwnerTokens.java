package dev.fencelock.spi;

import java.security.SecureRandom;
import java.util.HexFormat;

/** Mints owner tokens: 128 bits from {@link SecureRandom}, one per acquisition, never guessable. */
final class OwnerTokens {
    private final SecureRandom random = new SecureRandom();

    String next() {
        byte[] bytes = new byte[16];
        random.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
