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
    private final Object target;
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
        this.scope = scope;
        this.function = function;
        this.target = target;
        if (!Syntax.hasMethod(target.getClass(), function)) {
            throw new IllegalArgumentException(target.getClass().getName() + " has no public method " + function);
        }
    }

    /** @return {@code scope:function} */
    public String name() {
        return scope + ":" + function;
    }

    public List<Syntax> syntaxes() {
        List<Syntax> known = syntaxes;
        if (known == null) {
            known = Syntax.of(target.getClass(), function);
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
            return Reflective.invoke(session, target, function, args);
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
