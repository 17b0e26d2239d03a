package dev.revisor.audit.api;

import org.osgi.annotation.versioning.ProviderType;
import org.osgi.framework.Bundle;

/**
 * Explains the module layer of the running framework from its wiring and resolver state: which packages more than
 * one bundle exports and who uses which, how one bundle is wired, and why a bundle is not Active.
 * <p>
 * Every answer is computed from the framework's wiring API ({@code BundleWiring}, {@code BundleRevisions}, the
 * declared capabilities and requirements of every revision) at the time of the call, never from log text.
 * The reports are snapshots: the framework may change while one is built.
 * <p>
 * Concurrent Semantics: thread safe.
 */
@ProviderType
public interface Diagnostics {

    /**
     * Every package that more than one resolved bundle revision (current or removal-pending) exports, with the
     * importers wired to each; split packages; private copies of packages that another bundle exports.
     * <p>
     * Reads only; changes nothing in the framework.
     *
     * @return the report
     */
    ConflictReportDTO conflicts();

    /**
     * For each import of the bundle the exporter and version it is wired to; for each export its importers; the
     * same for the bundle's removal-pending revisions.
     * <p>
     * Reads only; changes nothing in the framework.
     *
     * @param bundle an installed bundle
     * @return the report
     */
    WiringReportDTO wiring(Bundle bundle);

    /**
     * Why the bundle is not Active (or, when it is, whether its Declarative Services components are satisfied).
     * <p>
     * An Installed bundle is first offered to the resolver ({@code FrameworkWiring.resolveBundles}): resolving
     * changes no bundle's state beyond Resolved and starts nothing. When {@code start} is {@code true} and the
     * bundle is Resolved, it is started once, transiently (its persistent autostart setting is left alone), to
     * catch the activator's exception; a bundle that starts that way stays Active. With {@code start} false no
     * bundle is started: an activator failure is then reported only from the audit journal.
     *
     * @param bundle an installed bundle
     * @param start  whether the user asked to try starting the bundle
     * @return the report
     */
    WhyReportDTO why(Bundle bundle, boolean start);

    /**
     * Same as {@code why(bundle, false)}: starts nothing.
     *
     * @param bundle an installed bundle
     * @return the report
     */
    default WhyReportDTO why(Bundle bundle) {
        return why(bundle, false);
    }
}
