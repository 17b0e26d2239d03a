/**
 * The audit API of Revisor: the journal of lifecycle events and the queries over it.
 * <p>
 * Consumers (the shell, the deploy bundle, user tools) obtain the services of this package from the
 * service registry. Every type here is provided by the {@code dev.revisor.audit} bundle.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.3.0")
package dev.revisor.audit.api;
