package dev.revisor.shell.internal;

import org.apache.felix.service.command.Converter;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

import dev.revisor.audit.api.BundleNames;

/**
 * Lets every Gogo command that takes a {@link Bundle} (Felix's own {@code headers}, {@code start}, {@code stop},
 * {@code refresh}, {@code inspect}, ...) take an id, a symbolic name or {@code name/version}, in every session.
 * <p>
 * Gogo runtime has no such converter of its own; the console bundle (gogo.jline) brings one, so without this
 * component a headless runtime answered {@code exec 'headers 1'} with "Cannot coerce headers(Token)". A name that
 * matches no bundle, or several, converts to nothing, and Gogo reports that it cannot coerce the argument.
 * <p>
 * Concurrent Semantics: thread safe; holds no mutable state.
 */
@Component(property = "osgi.converter.classes=org.osgi.framework.Bundle")
public final class BundleConverter implements Converter {
    private final BundleContext context;

    @Activate
    public BundleConverter(BundleContext context) {
        this.context = context;
    }

    @Override
    public Object convert(Class<?> desiredType, Object in) {
        if (desiredType != Bundle.class) {
            return null;
        }
        if (in instanceof Number) {
            return context.getBundle(((Number) in).longValue());
        }
        if (in instanceof CharSequence) {
            try {
                return BundleNames.find(context, in.toString());
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        return null;
    }

    @Override
    public CharSequence format(Object target, int level, Converter escape) {
        if (target instanceof Bundle && level == Converter.PART) {
            Bundle b = (Bundle) target;
            return b.getSymbolicName() + "/" + b.getVersion() + " [" + b.getBundleId() + "]";
        }
        return null;
    }
}
