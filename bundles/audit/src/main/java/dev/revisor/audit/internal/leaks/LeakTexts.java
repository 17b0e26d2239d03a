package dev.revisor.audit.internal.leaks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.osgi.framework.wiring.BundleRevision;

import dev.revisor.audit.api.BundleRefDTO;
import dev.revisor.audit.api.LeakFindingDTO;
import dev.revisor.audit.api.ServiceLeakDTO;
import dev.revisor.audit.api.ThreadLeakDTO;

/**
 * The words of the leak findings: each kind's summary, evidence and fix hint ({@link Draft}s made from the hits of a
 * round), and the journal details of a finding and of a revision.
 * <p>
 * Owns nothing; pure functions, called on {@code revisor-leaks}.
 */
final class LeakTexts {
    private static final Pattern FELIX_REVISION = Pattern.compile("\\(R ([^)]+)\\)");

    /** One leak found in a round, before it becomes a finding. */
    static final class Draft {
        final String subject;
        final LoaderRef ref;
        final LeakFindingDTO dto;

        Draft(String subject, LoaderRef ref, LeakFindingDTO dto) {
            this.subject = subject;
            this.ref = ref;
            this.dto = dto;
        }
    }

    private LeakTexts() {
    }

    static String revisionName(BundleRevision revision) {
        return revisionName(String.valueOf(revision));
    }

    /** @return Felix's revision id ({@code 12.0} of {@code org.example.x [12](R 12.0)}), else the name as it is */
    static String revisionName(String revision) {
        Matcher m = FELIX_REVISION.matcher(revision);
        return m.find() ? m.group(1) : revision;
    }

    static Map<String, Object> revisionDetails(LoaderRef ref) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("key", ref.key);
        r.put("id", ref.bundle.id);
        r.put("symbolicName", ref.bundle.symbolicName);
        r.put("version", ref.bundle.version);
        if (ref.revision != null) {
            r.put("revision", ref.revision);
        }
        if (ref.how != null) {
            r.put("retiredBy", ref.how.word());
        }
        return r;
    }

    static Map<String, Object> foundDetails(LeakFindingDTO dto) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("finding", dto.id);
        d.put("kind", dto.kind);
        d.put("revision", dto.revision);
        d.put("bundleVersion", dto.bundle.version);
        d.put("summary", dto.summary);
        d.put("evidence", dto.evidence);
        d.put("fixHint", dto.fixHint);
        if (dto.thread != null) {
            d.put("thread", dto.thread.name);
            d.put("attribution", dto.thread.attribution);
            d.put("culprit", dto.thread.culprit);
        }
        if (dto.service != null) {
            d.put("serviceId", dto.service.serviceId);
            d.put("objectClass", dto.service.objectClass);
            d.put("holders", dto.service.holders.stream().map(h -> h.id).collect(Collectors.toList()));
        }
        return d;
    }

    private static LeakFindingDTO base(String kind, LoaderRef ref, String operation) {
        LeakFindingDTO dto = new LeakFindingDTO();
        dto.kind = kind;
        dto.bundle = ref.bundle;
        dto.revision = ref.key + " (" + ref.display() + ")";
        dto.operation = operation != null ? operation : ref.operation;
        dto.evidence = new ArrayList<>();
        return dto;
    }

    static Draft threadDraft(ThreadScan.Hit h) {
        LeakFindingDTO dto = base(h.kind == ThreadScan.Kind.THREAD ? LeakFindingDTO.THREAD : LeakFindingDTO.THREAD_LOCAL, h.ref, null);
        ThreadLeakDTO t = new ThreadLeakDTO();
        t.id = h.thread.getId();
        t.name = h.thread.getName();
        t.state = h.thread.getState().name();
        t.daemon = h.thread.isDaemon();
        t.attribution = h.attribution;
        t.culprit = h.culprit;
        t.stack = new ArrayList<>();
        StackTraceElement[] stack = h.thread.getStackTrace();
        for (int i = 0; i < Math.min(stack.length, 12); i++) {
            t.stack.add(stack[i].toString());
        }
        dto.thread = t;
        String who = h.ref.bundle.display();
        if (dto.kind.equals(LeakFindingDTO.THREAD)) {
            dto.summary = "thread '" + t.name + "' (" + t.state + ") of " + who + " is still running after the bundle stopped";
            dto.evidence.add("thread '" + t.name + "' id " + t.id + ", " + t.state + (t.daemon ? ", daemon" : ""));
            dto.evidence.add("tied to the revision by its " + attributionWords(h.attribution) + ": " + h.culprit);
            dto.fixHint = threadFix(h.attribution);
        } else {
            dto.summary = "a ThreadLocal value of class " + h.culprit + " from " + who + " is still set in thread '" + t.name + "'";
            dto.evidence.add("thread '" + t.name + "' id " + t.id + " holds a ThreadLocal value (or ThreadLocal) of class " + h.culprit);
            dto.fixHint = "call ThreadLocal.remove() in a finally block where the value is set; never leave a value on a "
                    + "thread the bundle does not own (framework, shell, deploy or pool threads)";
        }
        if (!t.stack.isEmpty()) {
            dto.evidence.add("at " + t.stack.get(0));
        }
        return new Draft(h.subject() + ":" + h.ref.key, h.ref, dto);
    }

    static String attributionWords(String attribution) {
        switch (attribution) {
            case "thread-class": return "class";
            case "runnable": return "Runnable";
            case "executor-task": return "executor's queued task";
            case "executor-thread-factory": return "executor's thread factory";
            case "timer-task": return "Timer's task";
            case "context-class-loader": return "context class loader";
            case "stack-frame": return "stack frame";
            default: return attribution;
        }
    }

    static String threadFix(String attribution) {
        switch (attribution) {
            case "executor-task":
            case "executor-thread-factory":
                return "shut the executor down in stop(): executor.shutdownNow() and awaitTermination()";
            case "timer-task":
                return "cancel the Timer in stop(): timer.cancel()";
            case "context-class-loader":
                return "restore the thread's context class loader after use (try/finally setContextClassLoader), or stop the thread in stop()";
            default:
                return "stop the thread in stop(): keep a reference, interrupt() it and join() it, and let its loop end on interruption";
        }
    }

    static Draft globalDraft(GlobalScan.Hit h) {
        LeakFindingDTO dto = base(LeakFindingDTO.JVM_GLOBAL, h.ref, null);
        dto.summary = h.subject + " of " + h.ref.bundle.display() + " is still registered with the JVM after the bundle stopped";
        dto.evidence.add(h.what + ": " + h.subject + ", class " + h.culprit);
        dto.fixHint = h.fixHint;
        return new Draft("jvm-global:" + h.what + ":" + h.subject + ":" + h.ref.key, h.ref, dto);
    }

    static Draft zombieDraft(LoaderRef ref, String gcMode) {
        LeakFindingDTO dto = base(LeakFindingDTO.ZOMBIE, ref, null);
        dto.summary = "the class loader of " + ref.display() + " is still reachable after the refresh";
        dto.evidence.add("the revision's class loader survived " + ("concurrent".equals(gcMode) ? "concurrent collections"
                : "two garbage collections") + " after it was " + (ref.how == null ? "stopped" : ref.how.past()));
        dto.evidence.add("run audit:leaks --explain for the reference chain that keeps it");
        dto.fixHint = "something outside the revision still references one of its objects or classes: find the holder in the "
                + "reference chain (audit:leaks --explain) and release the reference in stop()";
        return new Draft("zombie:" + ref.key, ref, dto);
    }

    static Draft serviceDraft(ServiceWatch w) {
        LeakFindingDTO dto = base(LeakFindingDTO.SERVICE, w.provider, w.operation);
        ServiceLeakDTO s = new ServiceLeakDTO();
        s.serviceId = w.serviceId;
        s.objectClass = w.objectClass;
        s.objectType = w.objectType;
        s.holders = w.holders;
        dto.service = s;
        String holders = w.holders.stream().map(BundleRefDTO::display).collect(Collectors.joining(", "));
        dto.summary = "service " + w.serviceId + " " + w.objectClass + " of " + w.provider.bundle.display()
                + " is still held after it was unregistered, by " + holders;
        dto.evidence.add("service " + w.serviceId + " " + w.objectClass + (w.objectType == null ? "" : ", object of class " + w.objectType));
        dto.evidence.add("obtained and not released when it was unregistered by: " + holders);
        dto.evidence.add(w.object != null ? "the service object is still reachable after two garbage collections"
                : "its provider revision is a zombie");
        dto.fixHint = "in " + holders + ": release the service when it is unregistered (ungetService and drop every "
                + "reference to the object), or use Declarative Services or a ServiceTracker";
        return new Draft("service:" + w.serviceId + ":" + w.provider.key, w.provider, dto);
    }
}
