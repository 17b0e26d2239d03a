package com.example.greeter;

/** The service the plugin offers: a greeting that says how long the plugin has been up. */
public interface Greeter {
    /**
     * @param name who to greet
     * @return the greeting
     */
    String greet(String name);
}
