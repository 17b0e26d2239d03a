/**
 * The Revisor launcher: embeds an OSGi framework (Felix, found through {@code ServiceLoader<FrameworkFactory>}),
 * boots the bundles of OSGi Feature descriptors, and is the client of a running instance's control socket.
 *
 * <p>It knows no Revisor bundle's packages: it talks to bundles only through the framework API and to a running
 * instance only through the socket. The {@code exec}, {@code stop} and {@code help} paths load neither the framework
 * nor Gson, so that a client JVM starts fast.
 */
package dev.revisor.launcher;
