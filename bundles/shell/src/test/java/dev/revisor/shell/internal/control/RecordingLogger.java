package dev.revisor.shell.internal.control;

import static org.mockito.Mockito.mock;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import org.osgi.service.log.Logger;

/**
 * An OSGi {@link Logger} that records "LEVEL message" lines with the {@code {}} placeholders filled in.
 * Thread safe.
 */
final class RecordingLogger {
    private final List<String> lines = new ArrayList<>();
    final Logger logger = mock(Logger.class, invocation -> {
        String method = invocation.getMethod().getName();
        if (invocation.getMethod().getReturnType() == boolean.class) {
            return true; // isDebugEnabled() and friends
        }
        Object[] args = invocation.getArguments();
        if (args.length == 0 || !(args[0] instanceof String)) {
            return null;
        }
        record(method.toUpperCase(), (String) args[0], args);
        return null;
    });

    private synchronized void record(String level, String format, Object[] args) {
        List<Object> values = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            if (args[i] instanceof Object[]) { // the varargs overload
                values.addAll(List.of((Object[]) args[i]));
            } else {
                values.add(args[i]);
            }
        }
        StringBuilder text = new StringBuilder(level).append(' ');
        int from = 0;
        int value = 0;
        for (int at = format.indexOf("{}"); at >= 0; at = format.indexOf("{}", from)) {
            text.append(format, from, at).append(value < values.size() ? values.get(value++) : "{}");
            from = at + 2;
        }
        text.append(format.substring(from));
        lines.add(text.toString());
    }

    synchronized List<String> lines() {
        return List.copyOf(lines);
    }

    synchronized List<String> at(String level) {
        return lines.stream().filter(l -> l.startsWith(level + " ")).collect(Collectors.toList());
    }

    @Override
    public synchronized String toString() {
        return String.join("\n", lines);
    }
}
