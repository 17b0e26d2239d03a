package dev.revisor.deploy.internal.config;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogListener;

/**
 * What the DS components that take one PID look like (ServiceComponentRuntime DTOs), before and after a change, and
 * what they did in between: modified in place, reactivated, deactivated, activated; and the exceptions SCR logged for
 * them meanwhile (a modified method that throws leaves the component ACTIVE: only SCR's log says so).
 * <p>
 * Concurrent Semantics: {@link #logged} is called on the Log Service's listener thread and only queues; everything
 * else runs on the config thread.
 */
final class ComponentWatch implements LogListener {
    /** One component configuration of a component that takes the PID. */
    record State(String component, long bundleId, String bundle, boolean modifiedMethod, String policy, long id,
            int state, Map<String, Object> values, String failure, boolean configured) {
        boolean up() {
            return state == ComponentConfigurationDTO.ACTIVE || state == ComponentConfigurationDTO.SATISFIED;
        }

        String name() {
            return component + " [" + bundleId + "]";
        }
    }

    /** The components of one PID at one moment, by component name (with bundle id). */
    record Snapshot(Map<String, List<State>> byComponent) {
    }

    /** What happened to each component. */
    static final class Effects {
        final List<String> modified = new ArrayList<>();
        final List<String> reactivated = new ArrayList<>();
        final List<String> deactivated = new ArrayList<>();
        final List<String> activated = new ArrayList<>();
        /** The components that were up and are not now (or threw), with why. */
        final List<String> failures = new ArrayList<>();
    }

    private final ServiceComponentRuntime scr;
    private final ConcurrentLinkedQueue<LogEntry> entries = new ConcurrentLinkedQueue<>();
    private volatile boolean capturing;

    ComponentWatch(ServiceComponentRuntime scr) {
        this.scr = scr;
    }

    @Override
    public void logged(LogEntry entry) {
        if (capturing && LogLevel.WARN.implies(entry.getLogLevel()) && entry.getLogLevel() != LogLevel.AUDIT) {
            entries.add(entry); // ERROR and WARN only
        }
    }

    /** Starts collecting SCR's warnings and errors for a change. */
    void capture() {
        entries.clear();
        capturing = true;
    }

    void stopCapture() {
        capturing = false;
    }

    /** @return the components that take the PID now; a factory configuration's own component configuration only */
    Snapshot snapshot(ConfigFile.Pid pid) {
        Map<String, List<State>> by = new LinkedHashMap<>();
        String wanted = pid.factoryPid() != null ? pid.factoryPid() : pid.pid();
        for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs()) {
            if (d.configurationPid == null || !Arrays.asList(d.configurationPid).contains(wanted)) {
                continue;
            }
            List<State> states = new ArrayList<>();
            String bundle = d.bundle.symbolicName + "/" + d.bundle.version + " [" + d.bundle.id + "]";
            for (ComponentConfigurationDTO c : scr.getComponentConfigurationDTOs(d)) {
                Object servicePid = c.properties == null ? null : c.properties.get("service.pid");
                if (pid.factoryPid() != null && !Values.list(servicePid).contains(pid.pid())) {
                    continue; // another factory configuration's component
                }
                states.add(new State(d.name, d.bundle.id, bundle, d.modified != null, d.configurationPolicy, c.id, c.state,
                        Values.withoutManaged(c.properties), c.failure, Values.list(servicePid).contains(pid.pid())));
            }
            if (states.isEmpty()) { // no configuration of it runs (yet)
                states.add(new State(d.name, d.bundle.id, bundle, d.modified != null, d.configurationPolicy, -1,
                        scr.isComponentEnabled(d) ? ComponentConfigurationDTO.UNSATISFIED_CONFIGURATION : 0, Map.of(), null,
                        false));
            }
            by.put(d.name + " [" + d.bundle.id + "]", states);
        }
        return new Snapshot(by);
    }

    /**
     * @param expected the values the configuration has now, {@code null} when it was deleted
     * @return whether SCR has taken the change up for every component: each runs with the values, or is not up
     */
    boolean settled(Snapshot now, Map<String, Object> expected) {
        for (List<State> states : now.byComponent().values()) {
            for (State s : states) {
                if (s.policy().equals("ignore")) {
                    continue;
                }
                if (!s.up()) {
                    // a component that waits for a configuration takes the new one up: wait for SCR to try
                    if (expected != null && s.state() == ComponentConfigurationDTO.UNSATISFIED_CONFIGURATION && !s.configured()) {
                        return false;
                    }
                    continue;
                }
                if (expected == null ? s.configured() : !s.configured() || !hasAll(s.values(), expected)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** @return the snapshot as text: equal texts, nothing moved in between */
    static String signature(Snapshot snap) {
        StringBuilder s = new StringBuilder();
        snap.byComponent().forEach((name, states) -> {
            for (State st : states) {
                s.append(name).append('/').append(st.id()).append('/').append(st.state()).append('/');
                st.values().forEach((k, v) -> s.append(k).append('=').append(Values.list(v)).append(';'));
                s.append('\n');
            }
        });
        return s.toString();
    }

    private static boolean hasAll(Map<String, Object> props, Map<String, Object> expected) {
        for (Map.Entry<String, Object> e : expected.entrySet()) {
            if (!Values.same(props.get(e.getKey()), e.getValue())) {
                return false;
            }
        }
        return true;
    }

    /**
     * @param deletion   whether the configuration was deleted (a component that requires it goes down as it should)
     * @return what the change did to each component; failures name the component and why
     */
    Effects compare(Snapshot before, Snapshot after, boolean deletion) {
        Effects fx = new Effects();
        List<LogEntry> logged = new ArrayList<>(entries);
        for (Map.Entry<String, List<State>> e : after.byComponent().entrySet()) {
            List<State> was = before.byComponent().getOrDefault(e.getKey(), List.of());
            State old = was.stream().filter(State::up).findFirst().orElse(was.isEmpty() ? null : was.get(0));
            State now = e.getValue().stream().filter(State::up).findFirst().orElse(e.getValue().get(0));
            if (now.policy().equals("ignore")) {
                continue;
            }
            String name = now.name();
            boolean wasUp = old != null && old.up();
            String thrown = thrown(logged, now);
            if (wasUp && now.up()) {
                // SCR keeps a component configuration's id when it reactivates it: whether the values reached it in
                // place depends on its modified method
                if (!Values.equal(old.values(), now.values()) || old.id() != now.id()) {
                    (old.id() == now.id() && now.modifiedMethod() ? fx.modified : fx.reactivated).add(name);
                }
                if (thrown != null) {
                    fx.failures.add(name + ": " + thrown);
                }
            } else if (wasUp) {
                fx.deactivated.add(name);
                boolean expected = deletion && "require".equals(now.policy());
                if (!expected) {
                    fx.failures.add(name + ": " + (thrown != null ? thrown : now.failure() != null ? "its activation failed: "
                            + rootCause(now.failure()) : "it is " + stateName(now.state()) + " now"));
                }
            } else if (now.up()) {
                fx.activated.add(name);
            }
        }
        return fx;
    }

    /** @return what SCR logged about the component during the change (a method that threw), or {@code null} */
    private static String thrown(List<LogEntry> logged, State s) {
        for (LogEntry entry : logged) {
            String message = entry.getMessage() == null ? "" : entry.getMessage();
            boolean about = message.contains("[" + s.component() + "(") || message.contains(s.component())
                    || entry.getBundle() != null && entry.getBundle().getBundleId() == s.bundleId();
            if (about && (entry.getException() != null || message.contains("thrown"))) {
                String method = message.contains("modified method") ? "its modified method threw "
                        : message.contains("activate method") ? "its activate method threw "
                        : message.contains("instantiation") ? "its constructor threw " : "SCR logged ";
                Throwable t = entry.getException();
                while (t != null && t.getCause() != null && t.getCause() != t) {
                    t = t.getCause();
                }
                return method + (t == null ? message.trim() : t.getClass().getName() + ": " + t.getMessage());
            }
        }
        return null;
    }

    /** @return the innermost "Caused by:" of a stack trace text, or its first line */
    static String rootCause(String trace) {
        String found = null;
        for (String line : trace.split("\n")) {
            String l = line.trim();
            if (l.startsWith("Caused by: ")) {
                found = l.substring("Caused by: ".length());
            }
        }
        if (found != null) {
            return found;
        }
        int nl = trace.indexOf('\n');
        return (nl < 0 ? trace : trace.substring(0, nl)).trim();
    }

    static String stateName(int state) {
        switch (state) {
            case ComponentConfigurationDTO.ACTIVE: return "ACTIVE";
            case ComponentConfigurationDTO.SATISFIED: return "SATISFIED";
            case ComponentConfigurationDTO.UNSATISFIED_CONFIGURATION: return "UNSATISFIED_CONFIGURATION";
            case ComponentConfigurationDTO.UNSATISFIED_REFERENCE: return "UNSATISFIED_REFERENCE";
            case ComponentConfigurationDTO.FAILED_ACTIVATION: return "FAILED_ACTIVATION";
            case 0: return "DISABLED";
            default: return "state " + state;
        }
    }
}
