package org.example.plugin.a;

import org.example.greeting.Greeter;
import org.example.utils.Text;
import org.osgi.service.component.annotations.Component;

/**
 * Plugin A: greets with a slug made by org.example.utils 1.x ({@code Text.slug()}, which 2.0 removed).
 */
@Component(property = {Greeter.PLUGIN + "=a", Greeter.LANGUAGE + "=en"})
public final class SlugGreeter implements Greeter {

    @Override
    public String greet(String name) {
        return "hello " + Text.of(name).slug().value() + " (plugin a, org.example.utils " + Text.libraryVersion() + ")";
    }
}
