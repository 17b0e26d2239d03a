package dev.revisor.launcher;

import java.io.PrintStream;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;

/**
 * Writes framework ERROR and WARNING events to standard error, naming the bundle; calls back once the framework has
 * STARTED. Concurrent semantics: called on the framework's event thread; holds no state of its own but the callback.
 */
final class FrameworkMessages implements FrameworkListener {
    private static final int FRAMES = 6;

    private final PrintStream err;
    private final Runnable onStarted;

    FrameworkMessages(PrintStream err, Runnable onStarted) {
        this.err = err;
        this.onStarted = onStarted;
    }

    @Override
    public void frameworkEvent(FrameworkEvent event) {
        switch (event.getType()) {
            case FrameworkEvent.ERROR:
                err.println("revisor: ERROR: " + subject(event.getBundle()) + ": " + describe(event.getThrowable()));
                break;
            case FrameworkEvent.WARNING:
                err.println("revisor: WARNING: " + subject(event.getBundle()) + ": " + describe(event.getThrowable()));
                break;
            case FrameworkEvent.STARTED:
                onStarted.run();
                break;
            default:
                break;
        }
    }

    private static String subject(Bundle bundle) {
        if (bundle == null) {
            return "framework";
        }
        if (bundle.getBundleId() == 0) {
            return "framework (system bundle)";
        }
        return "bundle " + FeatureBundles.name(bundle);
    }

    /** The message chain of a throwable; the stack of the deepest cause unless it is a plain BundleException. */
    static String describe(Throwable throwable) {
        if (throwable == null) {
            return "(no details)";
        }
        StringBuilder text = new StringBuilder(String.valueOf(throwable.getMessage()));
        Throwable deepest = throwable;
        for (Throwable cause = throwable.getCause(); cause != null && cause != deepest; cause = cause.getCause()) {
            text.append("\n  caused by ").append(cause);
            deepest = cause;
        }
        if (!(deepest instanceof BundleException)) {
            if (deepest == throwable) {
                text.append(" (").append(throwable.getClass().getName()).append(')');
            }
            StackTraceElement[] stack = deepest.getStackTrace();
            for (int i = 0; i < Math.min(FRAMES, stack.length); i++) {
                text.append("\n    at ").append(stack[i]);
            }
            if (stack.length > FRAMES) {
                text.append("\n    ... ").append(stack.length - FRAMES).append(" more");
            }
        }
        return text.toString();
    }
}
