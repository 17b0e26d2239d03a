package dev.revisor.shell.internal.gogo;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;

/**
 * What one command method accepts, read from its Gogo annotations: {@code @Descriptor} on the method and its
 * parameters, {@code @Parameter} for options (a flag when it has a {@code presentValue}, else an option that takes
 * a value); the other parameters are positional, the last one possibly varargs. A {@link CommandSession} parameter is
 * Gogo's business and left out. Immutable.
 */
public final class Syntax {
    /** An option: its names ({@code -j}, {@code --json}), whether it takes a value, and what it is for. */
    public record Option(List<String> names, boolean takesValue, String valueName, Class<?> type, String description) {
        /** @return the longest name, {@code --json} rather than {@code -j} */
        public String longName() {
            String best = names.get(0);
            for (String n : names) {
                if (n.length() > best.length()) {
                    best = n;
                }
            }
            return best;
        }
    }

    /** A positional parameter. */
    public record Argument(String name, Class<?> type, boolean varargs, String description) {
        /** @return how usage shows it: {@code BUNDLE} or {@code BUNDLES...} */
        public String display() {
            return name.toUpperCase(Locale.ROOT) + (varargs ? "..." : "");
        }
    }

    private final Method method;
    private final String description;
    private final List<Option> options;
    private final List<Argument> arguments;

    private Syntax(Method method, String description, List<Option> options, List<Argument> arguments) {
        this.method = method;
        this.description = description;
        this.options = options;
        this.arguments = arguments;
    }

    /**
     * @param method a command method
     * @return its syntax
     */
    public static Syntax of(Method method) {
        Descriptor d = method.getAnnotation(Descriptor.class);
        List<Option> options = new ArrayList<>();
        List<Argument> arguments = new ArrayList<>();
        Class<?>[] types = method.getParameterTypes();
        Annotation[][] annotations = method.getParameterAnnotations();
        java.lang.reflect.Parameter[] reflected = method.getParameters();
        for (int i = 0; i < types.length; i++) {
            if (CommandSession.class.isAssignableFrom(types[i])) {
                continue;
            }
            Parameter p = find(annotations[i], Parameter.class);
            Descriptor pd = find(annotations[i], Descriptor.class);
            String text = pd == null ? "" : pd.value();
            String name = reflected[i].isNamePresent() ? reflected[i].getName() : types[i].getSimpleName();
            if (p != null) {
                boolean takesValue = Parameter.UNSPECIFIED.equals(p.presentValue());
                options.add(new Option(List.of(p.names()), takesValue, name.toUpperCase(Locale.ROOT), types[i], text));
            } else {
                boolean varargs = method.isVarArgs() && i == types.length - 1;
                arguments.add(new Argument(name, varargs ? types[i].getComponentType() : types[i], varargs, text));
            }
        }
        return new Syntax(method, d == null ? "" : d.value(), Collections.unmodifiableList(options),
                Collections.unmodifiableList(arguments));
    }

    /**
     * @param type     a class
     * @param function a Gogo function name
     * @return the syntax of each public method that Gogo would call for the function, in a stable order
     */
    public static List<Syntax> of(Class<?> type, String function) {
        List<Syntax> found = new ArrayList<>();
        Method[] methods = type.getMethods();
        Arrays.sort(methods, (a, b) -> Integer.compare(a.getParameterCount(), b.getParameterCount()));
        for (Method m : methods) {
            if (m.getDeclaringClass() != Object.class && m.getName().equalsIgnoreCase(javaName(function))) {
                found.add(of(m));
            }
        }
        return found;
    }

    /**
     * @return whether {@link #of(Class, String)} would find a method, without reading any annotation
     */
    public static boolean hasMethod(Class<?> type, String function) {
        String name = javaName(function);
        for (Method m : type.getMethods()) {
            if (m.getDeclaringClass() != Object.class && m.getName().equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    /** Gogo calls a function named like a Java keyword through the method {@code _keyword}. */
    static String javaName(String function) {
        return org.apache.felix.gogo.runtime.Reflective.KEYWORDS.contains(function.toLowerCase(Locale.ENGLISH))
                ? "_" + function : function;
    }

    public Method method() { return method; }
    public String description() { return description; }
    public List<Option> options() { return options; }
    public List<Argument> arguments() { return arguments; }

    /** @return the number of positional arguments the method needs at least */
    public int required() {
        int n = 0;
        for (Argument a : arguments) {
            if (!a.varargs()) {
                n++;
            }
        }
        return n;
    }

    /** @return whether the method takes any number of trailing arguments */
    public boolean varargs() {
        return !arguments.isEmpty() && arguments.get(arguments.size() - 1).varargs();
    }

    /**
     * @param name an option name as typed
     * @return the option with that name, or {@code null}
     */
    public Option option(String name) {
        for (Option o : options) {
            if (o.names().contains(name)) {
                return o;
            }
        }
        return null;
    }

    private static <T extends Annotation> T find(Annotation[] annotations, Class<T> type) {
        for (Annotation a : annotations) {
            if (type.isInstance(a)) {
                return type.cast(a);
            }
        }
        return null;
    }
}
