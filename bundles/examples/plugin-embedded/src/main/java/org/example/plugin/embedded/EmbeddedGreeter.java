package org.example.plugin.embedded;

import org.example.greeting.Greeter;
import org.example.utils.Text;
import org.osgi.service.component.annotations.Component;

/**
 * Greets with its own private copy of org.example.utils (1.x classes inside this bundle). It never sees the
 * exported library, whatever version is installed: fixes to the library do not reach it.
 */
@Component(property = {Greeter.PLUGIN + "=embedded", Greeter.LANGUAGE + "=en"})
public final class EmbeddedGreeter implements Greeter {

    @Override
    public String greet(String name) {
        return "hello " + Text.of(name).slug().value() + " (plugin embedded, private org.example.utils "
                + Text.libraryVersion() + ")";
    }
}
