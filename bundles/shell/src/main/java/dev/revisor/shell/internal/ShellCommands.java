package dev.revisor.shell.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

import dev.revisor.shell.internal.gogo.CommandNames;
import dev.revisor.shell.internal.gogo.CommandSet;
import dev.revisor.shell.internal.gogo.Help;

/**
 * The shell's own commands, scope {@code revisor}, which sessions look up first ({@code SessionSetup} puts it at the
 * front of {@code SCOPE}): {@code help} grouped with descriptions, {@code exit} with or without a status, and the
 * bundle names that completion offers. Thin: the help text is {@link Help}'s.
 */
@Component(service = CommandSet.class)
@CommandNames(scope = "revisor", function = {"help", "exit", "__bundles"})
public final class ShellCommands implements CommandSet {
    private final BundleContext context;

    @Activate
    public ShellCommands(BundleContext context) {
        this.context = context;
    }

    @Descriptor("list the commands by scope with what each does (Revisor's audit scope first)")
    public String help(CommandSession session) {
        return Help.overview(session, commands(session), null);
    }

    @Descriptor("list the commands by scope with what each does (Revisor's audit scope first)")
    public String help(CommandSession session,
            @Descriptor("a command (audit:why, or why) to show its usage, or a scope (audit) to list its commands") String name) {
        return Help.of(session, commands(session), name);
    }

    @Descriptor("leave the console and stop Revisor cleanly, as Ctrl-D does; bin/revisor then exits 0")
    public String exit(CommandSession session) throws BundleException {
        return exit(session, 0);
    }

    @Descriptor("leave the console and stop Revisor cleanly, as Ctrl-D does; bin/revisor then exits 0")
    public String exit(CommandSession session,
            @Descriptor("0, the only status a clean stop passes on (system:exit N ends the JVM at once instead)") int status)
            throws BundleException {
        if (session.get(".reader") == null) {
            throw new IllegalArgumentException("exit leaves the interactive console, and this is not one: "
                    + "to stop the instance use 'bin/revisor stop'");
        }
        if (status != 0) {
            throw new IllegalArgumentException("exit " + status + ": Revisor stops cleanly and bin/revisor exits 0;"
                    + " use 'exit' or 'exit 0' (system:exit " + status + " ends the JVM at once, without a clean stop)");
        }
        context.getBundle(0).stop();
        return "stopping Revisor";
    }

    @Descriptor("the symbolic names of the installed bundles (what completion offers for a BUNDLE argument)")
    public List<String> __bundles() {
        Set<String> names = new TreeSet<>();
        for (Bundle b : context.getBundles()) {
            if (b.getSymbolicName() != null) {
                names.add(b.getSymbolicName());
            }
        }
        return new ArrayList<>(names);
    }

    @SuppressWarnings("unchecked")
    private static Collection<String> commands(CommandSession session) {
        Object commands = session.get(".commands");
        return commands instanceof Collection ? (Collection<String>) commands : List.of();
    }
}
