package dev.revisor.audit.internal.diagnostics;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.namespace.HostNamespace;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.framework.startlevel.FrameworkStartLevel;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.component.runtime.ServiceComponentRuntime;

import dev.revisor.audit.api.ActivationFailureDTO;
import dev.revisor.audit.api.AuditEventDTO;
import dev.revisor.audit.api.ComponentProblemDTO;
import dev.revisor.audit.api.EventQuery;
import dev.revisor.audit.api.Journal;
import dev.revisor.audit.api.RequirementProblemDTO;
import dev.revisor.audit.api.UsesConflictDTO;
import dev.revisor.audit.api.WhyReportDTO;

/**
 * Builds {@link WhyReportDTO}: asks the resolver, reads start levels, the journal and the DS runtime, and with the
 * user's consent tries one transient start.
 * <p>
 * Concurrent Semantics: not thread safe; one instance per call.
 */
final class WhyAnalysis {
    private final BundleContext context;
    private final LocalContent localContent;
    private final Journal journal;
    private final ServiceComponentRuntime scr;

    /**
     * @param journal the journal, or {@code null} when it is not available
     * @param scr     the DS runtime, or {@code null} when none runs
     */
    WhyAnalysis(BundleContext context, LocalContent localContent, Journal journal, ServiceComponentRuntime scr) {
        this.context = context;
        this.localContent = localContent;
        this.journal = journal;
        this.scr = scr;
    }

    WhyReportDTO why(Bundle bundle, boolean start) {
        WhyReportDTO report = new WhyReportDTO();
        report.bundle = dev.revisor.audit.api.BundleRefDTO.of(bundle);
        report.reasons = new ArrayList<>();
        report.unresolved = new ArrayList<>();
        report.usesConflicts = new ArrayList<>();
        report.components = new ArrayList<>();
        String name = report.bundle.display();
        Bundle system = context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION);

        if (bundle.getState() == Bundle.UNINSTALLED) {
            return finish(report, bundle, name + " is uninstalled");
        }
        BundleRevision revision = bundle.adapt(BundleRevision.class);
        if (bundle.getState() == Bundle.INSTALLED) {
            FrameworkWiring frameworkWiring = system.adapt(FrameworkWiring.class);
            if (frameworkWiring.resolveBundles(List.of(bundle))) {
                report.resolvedNow = true;
            } else {
                resolution(report, revision);
                return finish(report, bundle, unresolvedSummary(name, report));
            }
        }
        if (Refs.isFragment(revision)) {
            List<String> hosts = new ArrayList<>();
            BundleWiring wiring = revision.getWiring();
            if (wiring != null) {
                for (BundleWire w : wiring.getRequiredWires(HostNamespace.HOST_NAMESPACE)) {
                    hosts.add(Refs.text(w.getProvider()));
                }
            }
            String sentence = "it is a fragment: fragments are never Active, they live in their host's class space"
                    + (hosts.isEmpty() ? "" : "; attached to " + String.join(", ", hosts));
            report.reasons.add(0, sentence);
            return finish(report, bundle, name + " is " + Refs.state(bundle.getState()) + ": " + sentence);
        }
        if (bundle.getState() == Bundle.RESOLVED) {
            notStarted(report, bundle, system, start);
        }
        if (bundle.getState() == Bundle.STARTING && isLazy(bundle)) {
            report.reasons.add("it has a lazy activation policy: it becomes Active when another bundle first loads one of its classes");
        }
        if (bundle.getState() == Bundle.ACTIVE || bundle.getState() == Bundle.STARTING) {
            components(report, bundle);
        }
        if (report.resolvedNow) {
            report.reasons.add("it had not been resolved (nothing had needed it yet); it resolved now, when asked");
        }
        return finish(report, bundle, summary(name, bundle, report));
    }

    private void resolution(WhyReportDTO report, BundleRevision revision) {
        FrameworkState state = new FrameworkState(allBundles(), localContent);
        ResolutionAnalysis.Result result = new ResolutionAnalysis(state).analyse(revision);
        report.unresolved.addAll(result.unresolved);
        report.usesConflicts.addAll(result.usesConflicts);
        for (RequirementProblemDTO p : result.unresolved) {
            report.reasons.add("it " + p.text + ": " + p.reason);
        }
        for (UsesConflictDTO c : result.usesConflicts) {
            report.reasons.add("uses conflict on package " + c.packageName + ": " + c.explanation);
        }
        if (result.unresolved.isEmpty() && Refs.isFragment(revision) && !result.resolvedHosts.isEmpty()) {
            List<String> hosts = new ArrayList<>();
            List<String> ids = new ArrayList<>();
            for (BundleRevision host : result.resolvedHosts) {
                hosts.add(Refs.text(host));
                ids.add(Long.toString(host.getBundle().getBundleId()));
            }
            report.reasons.add("it is a fragment and its host " + String.join(", ", hosts) + " is already resolved:"
                    + " a fragment attaches only while its host resolves, so refresh the host to attach it (refresh "
                    + String.join(" ", ids) + "; a host that is not Active stays unresolved after the refresh: then also resolve "
                    + String.join(" ", ids) + ")");
        } else if (result.unresolved.isEmpty() && result.usesConflicts.isEmpty()) {
            report.reasons.add("the resolver refuses it, yet every requirement has a resolved candidate and the current wiring shows no uses conflict:"
                    + " the cause lies deeper (a singleton already resolved under the same symbolic name, a resolver hook,"
                    + " or a conflict among bundles being resolved together)");
        }
    }

    private static String unresolvedSummary(String name, WhyReportDTO report) {
        StringBuilder b = new StringBuilder(name).append(" is Installed: the resolver refuses it");
        if (!report.usesConflicts.isEmpty()) {
            b.append(" because of a uses conflict on package ").append(report.usesConflicts.get(0).packageName)
                    .append(" (").append(report.usesConflicts.get(0).first.exporter.display()).append(" against ")
                    .append(report.usesConflicts.get(0).second.exporter.display()).append(')');
        } else if (!report.unresolved.isEmpty()) {
            RequirementProblemDTO p = report.unresolved.get(0);
            b.append(": it ").append(p.text).append(", and ").append(p.reason);
        } else if (!report.reasons.isEmpty()) {
            b.append(": ").append(report.reasons.get(0));
        }
        int more = report.unresolved.size() + report.usesConflicts.size() - 1;
        if (more > 0) {
            b.append("; ").append(more).append(" more problem(s) below");
        }
        return b.toString();
    }

    private void notStarted(WhyReportDTO report, Bundle bundle, Bundle system, boolean start) {
        BundleStartLevel bsl = bundle.adapt(BundleStartLevel.class);
        FrameworkStartLevel fsl = system.adapt(FrameworkStartLevel.class);
        int level = bsl == null ? 0 : bsl.getStartLevel();
        int active = fsl == null ? Integer.MAX_VALUE : fsl.getStartLevel();
        if (start) {
            try {
                bundle.start(Bundle.START_TRANSIENT);
                report.startedNow = true;
                report.reasons.add("it had not been started; it started now, when asked (transiently: its autostart setting is unchanged)");
                return;
            } catch (BundleException e) {
                if (e.getType() == BundleException.ACTIVATOR_ERROR) {
                    report.activationFailure = fromException(e);
                } else if (e.getType() == BundleException.START_TRANSIENT_ERROR) {
                    report.reasons.add("its start level " + level + " is above the framework's active start level " + active
                            + ": a transient start is refused; it starts when the framework reaches level " + level);
                    return;
                } else {
                    report.reasons.add("starting it failed: " + e.getMessage());
                    return;
                }
            } catch (IllegalStateException | SecurityException e) {
                report.reasons.add("starting it failed: " + e.getMessage());
                return;
            }
        } else {
            report.activationFailure = fromJournal(bundle);
        }
        ActivationFailureDTO f = report.activationFailure;
        if (f != null) {
            String rootCause = f.rootCause == null ? "" : " (root cause " + f.rootCause
                    + (f.rootCauseMessage == null ? "" : ": " + f.rootCauseMessage) + ")";
            if (f.exception != null && f.exceptionTime != null) {
                report.reasons.add("its last start" + (f.time == null ? "" : ", at " + f.time) + ", failed in its activator; at "
                        + f.exceptionTime + " the framework reported the activator's exception " + f.exception
                        + (f.message == null ? "" : ": " + f.message) + rootCause);
            } else if (f.exception != null) {
                report.reasons.add("its activator failed" + (f.time == null ? "" : " at " + f.time)
                        + (ActivationFailureDTO.FROM_JOURNAL_DEPLOY.equals(f.source) ? ", started by the deploy folder" : "")
                        + ": " + f.exception + (f.message == null ? "" : ": " + f.message) + rootCause);
            } else {
                report.reasons.add("its last start" + (f.time == null ? "" : ", at " + f.time) + ", failed in its activator;"
                        + " the exception went to whoever called start, not to the framework: run audit:why --start "
                        + bundle.getBundleId() + " to try once more and see it");
            }
        }
        if (level > active) {
            report.reasons.add("its start level " + level + " is above the framework's active start level " + active
                    + ": it starts when the framework reaches level " + level);
        } else if (bsl != null && !bsl.isPersistentlyStarted() && f == null) {
            report.reasons.add("nobody has started it: it is Resolved and not marked to start (start it with: start "
                    + bundle.getBundleId() + ")");
        } else if (f == null) {
            report.reasons.add("it is marked to start but is not Active, and the journal has no failed start for it:"
                    + " run audit:why --start " + bundle.getBundleId() + " to try one");
        }
    }

    private static ActivationFailureDTO fromException(BundleException e) {
        ActivationFailureDTO f = new ActivationFailureDTO();
        f.source = ActivationFailureDTO.FROM_TRIAL_START;
        f.time = Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        f.exception = cause.getClass().getName();
        f.message = cause.getMessage();
        f.wrapper = cause == e ? null : e.getClass().getName() + ": " + e.getMessage();
        Throwable root = cause;
        for (int i = 0; i < 32 && root.getCause() != null && root.getCause() != root; i++) {
            root = root.getCause();
        }
        if (root != cause) {
            f.rootCause = root.getClass().getName();
            f.rootCauseMessage = root.getMessage();
        }
        return f;
    }

    private ActivationFailureDTO fromJournal(Bundle bundle) {
        Journal j = journal;
        if (j == null) {
            return null;
        }
        try {
            // events() reads every event recorded before it (a start that failed a moment ago); no force to disk needed
            List<AuditEventDTO> events = j.events(EventQuery.last(500)
                    .withBundle(Long.toString(bundle.getBundleId()))
                    .withSince(Instant.ofEpochMilli(bundle.getLastModified())));
            return ActivationHistory.lastFailure(events);
        } catch (RuntimeException e) {
            return null; // the journal is unreadable: the other reasons still stand
        }
    }

    private static boolean isLazy(Bundle bundle) {
        Object policy = bundle.getHeaders("").get(Constants.BUNDLE_ACTIVATIONPOLICY);
        return policy != null && String.valueOf(policy).trim().startsWith(Constants.ACTIVATION_LAZY);
    }

    private void components(WhyReportDTO report, Bundle bundle) {
        ServiceComponentRuntime runtime = scr;
        if (runtime == null) {
            if (bundle.getHeaders("").get("Service-Component") != null) {
                report.reasons.add("it has Declarative Services components, but no DS runtime (ServiceComponentRuntime) is registered");
            }
            return;
        }
        List<ComponentProblemDTO> problems = new ComponentAnalysis(runtime, iface -> servicesOf(bundle, iface))
                .problems(runtime.getComponentDescriptionDTOs(bundle));
        report.components.addAll(problems);
        for (ComponentProblemDTO p : problems) {
            report.reasons.add(p.reason);
        }
    }

    private List<ComponentAnalysis.Service> servicesOf(Bundle bundle, String interfaceName) {
        ServiceReference<?>[] refs;
        try {
            refs = context.getAllServiceReferences(interfaceName, null);
        } catch (InvalidSyntaxException e) {
            return List.of();
        }
        List<ComponentAnalysis.Service> result = new ArrayList<>();
        if (refs == null) {
            return result;
        }
        for (ServiceReference<?> ref : refs) {
            Map<String, Object> props = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (String key : ref.getPropertyKeys()) {
                props.put(key, ref.getProperty(key));
            }
            result.add(new ComponentAnalysis.Service(props, ref.isAssignableTo(bundle, interfaceName)));
        }
        return result;
    }

    private static String summary(String name, Bundle bundle, WhyReportDTO report) {
        String state = Refs.state(bundle.getState());
        if (bundle.getState() == Bundle.ACTIVE) {
            if (report.components.isEmpty()) {
                return name + " is Active" + (report.startedNow ? " (started now, when asked)" : "")
                        + ": nothing keeps it from working";
            }
            return name + " is Active, but " + report.components.get(0).reason
                    + (report.components.size() > 1 ? "; " + (report.components.size() - 1) + " more component problem(s)" : "");
        }
        if (report.reasons.isEmpty()) {
            return name + " is " + state;
        }
        return name + " is " + state + ": " + report.reasons.get(0);
    }

    private static WhyReportDTO finish(WhyReportDTO report, Bundle bundle, String summary) {
        report.state = Refs.state(bundle.getState());
        report.active = bundle.getState() == Bundle.ACTIVE;
        report.summary = summary;
        return report;
    }

    private List<Bundle> allBundles() {
        return allBundles(context);
    }

    /** @return the installed bundles and the uninstalled ones whose revisions are still pending removal */
    static List<Bundle> allBundles(BundleContext context) {
        List<Bundle> all = new ArrayList<>(List.of(context.getBundles()));
        FrameworkWiring fw = context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION).adapt(FrameworkWiring.class);
        all.addAll(fw.getRemovalPendingBundles());
        return all;
    }
}
