package org.example.plugin.b;

import org.example.greeting.Greeter;
import org.example.utils.Text;
import org.osgi.service.component.annotations.Component;

/**
 * Plugin B: greets with a slug made by org.example.utils 2.x ({@code Text.slug(char)}, which 1.x does not have).
 */
@Component(property = {Greeter.PLUGIN + "=b", Greeter.LANGUAGE + "=en"})
public final class SlugGreeter implements Greeter {

    @Override
    public String greet(String name) {
        return "hello " + Text.of(name).slug('_').value() + " (plugin b, org.example.utils " + Text.libraryVersion() + ")";
    }
}
