package dev.revisor.audit.internal.operations;

import java.util.List;

import dev.revisor.audit.api.BundleRefDTO;
import dev.revisor.audit.api.RemovalPendingDTO;

/** What an UNINSTALLED event left, captured on the uninstalling thread before the framework cleans up. Immutable. */
final class UninstallCapture {
    final BundleRefDTO bundle;
    final List<RemovalPendingDTO> pending;

    UninstallCapture(BundleRefDTO bundle, List<RemovalPendingDTO> pending) {
        this.bundle = bundle;
        this.pending = pending;
    }
}
