package com.example.greeter.internal;

import java.util.concurrent.atomic.AtomicLong;

/** Counts the plugin's seconds on a thread of its own, named {@value #NAME}; ends when interrupted. */
final class Clock implements Runnable {
    static final String NAME = "greeter-clock";

    private final AtomicLong seconds = new AtomicLong();

    long seconds() {
        return seconds.get();
    }

    @Override
    public void run() {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                Thread.sleep(1000);
                seconds.incrementAndGet();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
