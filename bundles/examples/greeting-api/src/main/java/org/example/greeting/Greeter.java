package org.example.greeting;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Greets someone. Each example plugin registers one, with the service property {@value #PLUGIN} naming the plugin
 * and {@value #LANGUAGE} the language of the greeting.
 */
@ProviderType
public interface Greeter {
    /** Service property: which plugin offers this greeter ({@code a}, {@code b}, ...). */
    String PLUGIN = "greeter.plugin";
    /** Service property: the language of the greeting, e.g. {@code en}. */
    String LANGUAGE = "greeter.language";

    /**
     * @param name who to greet
     * @return the greeting, which names the version of org.example.utils that built it
     */
    String greet(String name);
}
