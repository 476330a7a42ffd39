package org.cardinal.core.train;

import java.nio.charset.StandardCharsets;

/**
 * Derives independent random streams from one run seed: a stream per iteration, per image, per
 * parameter. Each derived seed depends only on the run seed and its own key, never on how many
 * numbers another stream has drawn, so adding or resizing one part of a run (another backbone, a
 * resumed iteration, a batch split over devices) moves nothing else.
 */
public final class Seeds {

    private Seeds() {}

    /**
     * @param seed the parent seed
     * @param key the child's number (an iteration, an image index)
     * @return the child's seed
     */
    public static long derive(long seed, long key) {
        return mix(mix(seed) ^ (key * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L));
    }

    /**
     * @param seed the parent seed
     * @param key the child's name (a parameter's path)
     * @return the child's seed
     */
    public static long derive(long seed, String key) {
        // FNV-1a over the UTF-8 bytes: stable across JVMs, unlike String.hashCode's contract.
        long h = 0xcbf29ce484222325L;
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        return derive(seed, h);
    }

    /**
     * @param seed a 64-bit seed
     * @return a 32-bit seed for APIs that take an int (the engine's generator), using all 64 bits
     */
    public static int toInt(long seed) {
        long m = mix(seed);
        return (int) (m ^ (m >>> 32));
    }

    /** SplitMix64's finalizer: every input bit flips each output bit with probability 1/2. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
