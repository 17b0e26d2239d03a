package dev.revisor.shell.internal.control;

import java.io.IOException;
import java.net.SocketOption;
import java.nio.channels.SocketChannel;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.UserPrincipal;
import java.util.Set;

/**
 * Who is at the other end of a control connection, and whether that user may run commands: the runtime's own user
 * and root always; others only when named in {@code revisor.control.allow.users}, or when their (effective, primary)
 * group is named in {@code revisor.control.allow.groups}.
 * <p>
 * The peer comes from the kernel ({@code SO_PEERCRED}, read through {@code jdk.net.ExtendedSocketOptions}, which
 * this bundle loads from the platform class loader so that it needs no import of a {@code jdk.*} package). Where
 * the option is missing (not Linux or macOS), every peer is accepted and the socket directory's mode 0700 remains
 * the only access control; {@link #available()} says so once at start.
 * <p>
 * Concurrent Semantics: immutable, thread safe.
 */
final class PeerCredentials {
    /** A peer as the kernel names it: user and group, by name (or number when the name has no entry). */
    record Peer(String user, String group) {
        @Override
        public String toString() {
            return "user " + user + " (group " + group + ")";
        }
    }

    private static final SocketOption<?> PEERCRED = peerCredOption();

    private final String owner;
    private final Set<String> users;
    private final Set<String> groups;

    /**
     * @param owner  the user who runs Revisor
     * @param users  further users allowed
     * @param groups groups whose members (by effective group id) are allowed
     */
    PeerCredentials(String owner, Set<String> users, Set<String> groups) {
        this.owner = owner;
        this.users = Set.copyOf(users);
        this.groups = Set.copyOf(groups);
    }

    static boolean available() {
        return PEERCRED != null;
    }

    /** @return the peer, or {@code null} when the platform cannot tell */
    static Peer peer(SocketChannel channel) throws IOException {
        if (PEERCRED == null) {
            return null;
        }
        Object principal = channel.getOption(PEERCRED);
        try {
            UserPrincipal user = (UserPrincipal) principal.getClass().getMethod("user").invoke(principal);
            GroupPrincipal group = (GroupPrincipal) principal.getClass().getMethod("group").invoke(principal);
            return new Peer(user.getName(), group.getName());
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new IOException("cannot read the peer's credentials: " + e, e);
        }
    }

    /** @return whether this peer may run commands; {@code null} (unknown) is allowed */
    boolean allows(Peer peer) {
        return peer == null || peer.user().equals(owner) || peer.user().equals("root") || peer.user().equals("0")
                || users.contains(peer.user()) || groups.contains(peer.group());
    }

    /** @return the message a refused peer reads, after {@code "permission denied: "} */
    String refusal(Peer peer) {
        return peer + " may not use this control socket: it serves " + owner + ", root, and the users and groups"
                + " named in revisor.control.allow.users and revisor.control.allow.groups of etc/revisor.properties";
    }

    /** @return whether the allow-list names anyone besides the owner and root */
    boolean allowsOthers() {
        return !users.isEmpty() || !groups.isEmpty();
    }

    String owner() {
        return owner;
    }

    private static SocketOption<?> peerCredOption() {
        try {
            Class<?> options = Class.forName("jdk.net.ExtendedSocketOptions", true,
                    ClassLoader.getPlatformClassLoader());
            Object option = options.getField("SO_PEERCRED").get(null);
            return option instanceof SocketOption<?> o ? o : null;
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            return null;
        }
    }
}
