package dev.revisor.heapanalyzer;

import java.util.Arrays;

/**
 * A map from object id to slot number, open addressing with linear probing on primitive arrays: about 24 bytes an
 * entry at the load factor used, where a {@code HashMap<Long, Integer>} needs some 80. Key 0 is never stored (no heap
 * object has id 0). Not thread safe.
 */
final class LongIntMap {
    private long[] keys;
    private int[] values;
    private int mask;
    private int size;

    LongIntMap(int expected) {
        int capacity = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
        keys = new long[capacity];
        values = new int[capacity];
        mask = capacity - 1;
    }

    /** @return the slot stored for the id, or -1 */
    int get(long key) {
        int i = hash(key) & mask;
        while (true) {
            long k = keys[i];
            if (k == key) {
                return values[i];
            }
            if (k == 0) {
                return -1;
            }
            i = (i + 1) & mask;
        }
    }

    /** Stores the id with its slot unless the id is there already. @return whether it was added */
    boolean putIfAbsent(long key, int value) {
        if (key == 0) {
            throw new IllegalArgumentException("id 0");
        }
        if ((size + 1) * 2 > keys.length) {
            grow();
        }
        int i = hash(key) & mask;
        while (true) {
            long k = keys[i];
            if (k == key) {
                return false;
            }
            if (k == 0) {
                keys[i] = key;
                values[i] = value;
                size++;
                return true;
            }
            i = (i + 1) & mask;
        }
    }

    int size() {
        return size;
    }

    private void grow() {
        long[] oldKeys = keys;
        int[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new int[oldKeys.length * 2];
        mask = keys.length - 1;
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != 0) {
                putIfAbsent(oldKeys[i], oldValues[i]);
            }
        }
        Arrays.fill(oldKeys, 0);
    }

    private static int hash(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }
}
