package dev.revisor.shell.internal.gogo;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.osgi.service.component.annotations.ComponentPropertyType;

/**
 * The Gogo scope and functions of a {@link CommandSet}: service properties {@code revisor.command.scope} and
 * {@code revisor.command.function}. Not Gogo's own {@code osgi.command.*} properties: Gogo must see only the
 * {@link CommandFunction} that {@link CommandRegistrar} registers for each function, never the raw object.
 */
@ComponentPropertyType
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface CommandNames {
    /** Prefix of the property names. */
    String PREFIX_ = "revisor.command.";

    /** @return the Gogo scope, e.g. {@code audit} */
    String scope();

    /** @return the functions: names of public methods of the component */
    String[] function();
}
