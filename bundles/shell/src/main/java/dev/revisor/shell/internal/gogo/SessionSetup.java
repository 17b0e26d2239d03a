package dev.revisor.shell.internal.gogo;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.CommandSessionListener;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * Makes every Gogo session a Revisor one, through Gogo's session listener hook (gogo.jline has no other way in):
 * <ul>
 * <li>a session without a {@code SCOPE} gets {@code revisor:*}, so that {@code help} and {@code exit} are Revisor's
 * (the control socket's sessions, scripts);</li>
 * <li>in the interactive console (a session with a JLine reader), the first thing it runs is gogo.jline's profile:
 * before it, {@code .gosh_quiet} silences Gogo's "Welcome to Apache Felix Gogo"; after it, {@link ConsoleSetup} puts
 * Revisor's prompt, scope order, completions and banner in place.</li>
 * </ul>
 * Called on the thread of whichever session runs a command; the per-session state is in synchronized weak maps.
 */
@Component(service = CommandSessionListener.class)
public final class SessionSetup implements CommandSessionListener {
    /** The scope Revisor's own shell commands live in. */
    static final String SCOPE = "revisor";

    private final BundleContext context;
    private final Map<CommandSession, CharSequence> profiles = Collections.synchronizedMap(new WeakHashMap<>());
    private final Set<CommandSession> done = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));

    @Activate
    public SessionSetup(BundleContext context) {
        this.context = context;
    }

    @Override
    public void beforeExecute(CommandSession session, CharSequence commandline) {
        if (session.get("SCOPE") == null) {
            session.put("SCOPE", SCOPE + ":*");
        }
        if (isConsole(session) && !done.contains(session) && !profiles.containsKey(session)) {
            profiles.put(session, commandline);
            session.put(".gosh_quiet", Boolean.TRUE);
        }
    }

    @Override
    public void afterExecute(CommandSession session, CharSequence commandline, Exception exception) {
        after(session, commandline);
    }

    @Override
    public void afterExecute(CommandSession session, CharSequence commandline, Object result) {
        after(session, commandline);
    }

    private void after(CommandSession session, CharSequence commandline) {
        CharSequence first = profiles.get(session);
        if (first != null && first == commandline) {
            profiles.remove(session);
            done.add(session);
            new ConsoleSetup(context, session).run();
        }
    }

    /** @return whether the session is gogo.jline's interactive console (it holds the line reader) */
    static boolean isConsole(CommandSession session) {
        return session.get(".reader") != null;
    }
}
