package dev.revisor.shell.internal.gogo;

import java.util.ArrayList;
import java.util.List;

import org.apache.felix.gogo.runtime.Reflective;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Function;

/**
 * One shell command as Gogo sees it: {@code --help} prints the usage; an unknown option fails with the closest known
 * one; otherwise Gogo's own {@link Reflective} calls the method as it would without this wrapper, and when no method
 * fits the arguments ("Cannot coerce why() to any of ...") the command fails with what is wrong and its usage
 * instead. A command's own {@link IllegalArgumentException} keeps its message but loses the class name in front of
 * it in the console ({@link CommandFailedException}). Gogo hands a {@link Function} the raw arguments: that is why commands are registered through this class.
 * Thread safe (its syntaxes are read once, on first use); called on any session's thread.
 */
public final class CommandFunction implements Function {
    private final String scope;
    private final String function;
    private final Target target;
    /** Whether the target was seen to have the method; set on the first use. */
    private volatile boolean checked;
    /**
     * Read from the methods' annotations on first use (a call, {@code --help}, {@code help}), not when the bundle
     * starts: the annotation instances of every command method were a good part of the shell bundle's start.
     * Computed at most a few times by racing threads, always the same.
     */
    private volatile List<Syntax> syntaxes;

    /**
     * @param scope    the Gogo scope
     * @param function the function name (a public method of {@code target})
     * @param target   the command object
     */
    public CommandFunction(String scope, String function, Object target) {
        this(scope, function, new Target(() -> target));
        target(); // checks the method now
    }

    private CommandFunction(String scope, String function, Target target) {
        this.scope = scope;
        this.function = function;
        this.target = target;
    }

    /**
     * A command whose object is obtained on its first use (a call, {@code --help}, {@code help}), not when it is
     * registered: a command component is then activated by SCR only when someone uses it, not at the shell's start.
     *
     * @param target supplies the command object; null when it is gone (its service unregistered)
     */
    public static CommandFunction lazy(String scope, String function, Target target) {
        return new CommandFunction(scope, function, target);
    }

    /**
     * The object of a command, obtained once on first use and released once when the command is withdrawn; a use
     * after the release fails with a clear message. Thread safe.
     */
    public static final class Target {
        private final java.util.function.Supplier<Object> obtain;
        private final java.util.function.Consumer<Object> release;
        private Object object; // guarded by this
        private boolean released; // guarded by this

        /** @param obtain supplies the object, null when it is gone */
        public Target(java.util.function.Supplier<Object> obtain) {
            this(obtain, o -> { });
        }

        /**
         * @param obtain  supplies the object, null when it is gone
         * @param release lets the obtained object go (called at most once, only when it was obtained)
         */
        public Target(java.util.function.Supplier<Object> obtain, java.util.function.Consumer<Object> release) {
            this.obtain = obtain;
            this.release = release;
        }

        /** @return the command object, obtained now if this is the first use of any of its functions */
        synchronized Object get(String command) {
            if (released) {
                throw new IllegalStateException(command + " is being withdrawn (its bundle or a service it needs went"
                        + " away)");
            }
            if (object == null) {
                object = obtain.get();
                if (object == null) {
                    throw new IllegalStateException(command + " is not available: its component could not be"
                            + " activated or a service it needs went away (data/log/revisor.log says which)");
                }
            }
            return object;
        }

        /** The command is withdrawn: lets its object go if it was obtained; later uses fail. */
        public void release() {
            Object obtained;
            synchronized (this) {
                if (released) {
                    return;
                }
                released = true;
                obtained = object;
                object = null;
            }
            if (obtained != null) {
                release.accept(obtained);
            }
        }
    }

    /** @return the command object (obtained on the first use), checked once to have the method */
    private Object target() {
        Object o = target.get(name());
        if (!checked) {
            if (!Syntax.hasMethod(o.getClass(), function)) {
                throw new IllegalArgumentException(o.getClass().getName() + " has no public method " + function);
            }
            checked = true;
        }
        return o;
    }

    /** @return {@code scope:function} */
    public String name() {
        return scope + ":" + function;
    }

    public List<Syntax> syntaxes() {
        List<Syntax> known = syntaxes;
        if (known == null) {
            known = Syntax.of(target().getClass(), function);
            syntaxes = known;
        }
        return known;
    }

    /** @return the usage text */
    public String usage() {
        return Usage.render(name(), syntaxes());
    }

    @Override
    public Object execute(CommandSession session, List<Object> arguments) throws Exception {
        List<Syntax> forms = syntaxes();
        if (ArgumentCheck.wantsHelp(forms, arguments)) {
            return usage();
        }
        String unknown = ArgumentCheck.unknownOption(forms, arguments);
        if (unknown != null) {
            throw new UsageException(name() + ": " + unknown, usage());
        }
        List<Object> args = new ArrayList<>(arguments);
        try {
            return Reflective.invoke(session, target(), function, args);
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("Cannot coerce ") && !(e instanceof UsageException)
                    && thrownByGogo(e)) {
                throw new UsageException(name() + ": " + ArgumentCheck.diagnose(forms, arguments), usage());
            }
            if (e instanceof UsageException || e instanceof CommandFailedException
                    || e instanceof org.apache.felix.gogo.runtime.CommandNotFoundException) {
                throw e;
            }
            throw new CommandFailedException(e);
        }
    }

    /** Gogo's message, not a command's own exception that happens to start alike. */
    private static boolean thrownByGogo(IllegalArgumentException e) {
        StackTraceElement[] trace = e.getStackTrace();
        return trace.length > 0 && Reflective.class.getName().equals(trace[0].getClassName());
    }

    @Override
    public String toString() {
        return name();
    }
}
