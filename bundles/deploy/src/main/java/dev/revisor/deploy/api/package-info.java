/**
 * The state of Revisor's deploy folder: which file holds which bundle, how its last change ended and why.
 * <p>
 * The {@code dev.revisor.deploy} bundle provides {@link dev.revisor.deploy.api.DeployFolder} as a service;
 * the shell's {@code audit:deploys} command and user tools read it.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.2.0")
package dev.revisor.deploy.api;
