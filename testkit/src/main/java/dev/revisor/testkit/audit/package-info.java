/**
 * What a plugin project's Pax Exam test checks inside the framework: {@link dev.revisor.testkit.audit.RevisorAssertions}
 * (no leaks after an update, the restarts of a refresh, resolution explained as {@code audit:why} explains it, no
 * package exported twice) and {@link dev.revisor.testkit.audit.LiveUpdates} (audited updates and uninstalls).
 * RevisorOptions.revisorCore() installs the test kit as a bundle so that the test probe imports this package.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package dev.revisor.testkit.audit;
