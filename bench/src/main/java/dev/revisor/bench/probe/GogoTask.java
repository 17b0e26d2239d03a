package dev.revisor.bench.probe;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;

/**
 * Times a Gogo command line inside the framework, output formatting included (what a user waits for, minus the
 * exec client's JVM start). A separate class because the Gogo import is optional: plain Felix without Gogo never loads it.
 */
final class GogoTask {
    private GogoTask() {
    }

    static void run(BundleContext context, int times, String line, StringBuilder out) throws Exception {
        ServiceReference<CommandProcessor> ref = context.getServiceReference(CommandProcessor.class);
        if (ref == null) {
            throw new IllegalStateException("no Gogo CommandProcessor service");
        }
        CommandProcessor processor = context.getService(ref);
        try {
            ByteArrayOutputStream output = new ByteArrayOutputStream();
            ByteArrayOutputStream errors = new ByteArrayOutputStream();
            try (CommandSession session = processor.createSession(new ByteArrayInputStream(new byte[0]), output, errors)) {
                for (int i = 0; i < times; i++) {
                    output.reset();
                    long t0 = System.nanoTime();
                    Object result = session.execute(line);
                    String text = result == null ? "" : String.valueOf(session.format(result, org.apache.felix.service.command.Converter.INSPECT));
                    long dt = System.nanoTime() - t0;
                    out.append("run ").append(dt).append(' ').append(output.size() + text.length()).append('\n');
                    if (i == times - 1) {
                        String sample = (output.toString() + text).replace('\n', ' ');
                        out.append("sample ").append(sample, 0, Math.min(sample.length(), 300)).append('\n');
                    }
                }
            }
        } finally {
            context.ungetService(ref);
        }
    }
}
