package org.cardinal.coco;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Maps long ids (image ids, category ids) to dense indices 0..n-1 in insertion order without
 * boxing, because the evaluator looks up an image id for each of hundreds of thousands of
 * detections.
 */
final class LongIndex implements Serializable {
    private static final long serialVersionUID = 1L;

    private long[] keys;
    private int[] values;
    private int mask;
    private int size;

    LongIndex(int expected) {
        allocate(Integer.highestOneBit(Math.max(4, expected * 2 + 1)) << 1);
    }

    /** An index of the given ids, in their order; a repeated id keeps its first position. */
    static LongIndex of(long[] ids) {
        LongIndex index = new LongIndex(ids.length);
        for (long id : ids) {
            index.putIfAbsent(id);
        }
        return index;
    }

    private void allocate(int capacity) {
        keys = new long[capacity];
        values = new int[capacity];
        Arrays.fill(values, -1);
        mask = capacity - 1;
    }

    private static int hash(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 29) ^ (h >>> 47));
    }

    /** Adds the id with the next free index unless present; returns its index. */
    int putIfAbsent(long key) {
        int slot = hash(key) & mask;
        while (values[slot] >= 0) {
            if (keys[slot] == key) {
                return values[slot];
            }
            slot = (slot + 1) & mask;
        }
        keys[slot] = key;
        values[slot] = size;
        size++;
        if (size * 2 > keys.length) {
            grow();
        }
        return size - 1;
    }

    private void grow() {
        long[] oldKeys = keys;
        int[] oldValues = values;
        allocate(oldKeys.length * 2);
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldValues[i] >= 0) {
                int slot = hash(oldKeys[i]) & mask;
                while (values[slot] >= 0) {
                    slot = (slot + 1) & mask;
                }
                keys[slot] = oldKeys[i];
                values[slot] = oldValues[i];
            }
        }
    }

    /** The index of the id, or -1. */
    int get(long key) {
        int slot = hash(key) & mask;
        while (true) {
            int v = values[slot];
            if (v < 0) {
                return -1;
            }
            if (keys[slot] == key) {
                return v;
            }
            slot = (slot + 1) & mask;
        }
    }

    int size() {
        return size;
    }
}
