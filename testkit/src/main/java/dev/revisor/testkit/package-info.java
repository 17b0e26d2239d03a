/**
 * What a plugin project's Pax Exam test configures before the framework starts: {@link dev.revisor.testkit.RevisorOptions}
 * (Revisor's {@code revisor-core} feature from Maven coordinates) and {@link dev.revisor.testkit.BundleVariant} (another
 * version of a bundle, built with bnd in the test). Runs in the test JVM; docs/testing-plugins.md tells how.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package dev.revisor.testkit;
