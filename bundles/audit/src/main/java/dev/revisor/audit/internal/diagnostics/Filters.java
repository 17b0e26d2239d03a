package dev.revisor.audit.internal.diagnostics;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.osgi.framework.Filter;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.Version;
import org.osgi.framework.VersionRange;
import org.osgi.framework.namespace.AbstractWiringNamespace;
import org.osgi.framework.namespace.BundleNamespace;
import org.osgi.framework.namespace.ExecutionEnvironmentNamespace;
import org.osgi.framework.namespace.HostNamespace;
import org.osgi.framework.namespace.IdentityNamespace;
import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.resource.Capability;
import org.osgi.resource.Namespace;
import org.osgi.resource.Requirement;

/**
 * Reads requirement filters the way people read them: the name asked for, the version range, and for a capability
 * that does not match, which part of the filter it fails. Only the top-level terms of an {@code (&...)} filter are
 * taken apart; each term is evaluated with the framework's own filter implementation. Stateless.
 */
public final class Filters {
    private static final String OBJECT_CLASS = "objectClass";

    private Filters() {
    }

    /** @return the requirement's filter directive, or {@code null} when it has none (matches everything) */
    static String filter(Requirement requirement) {
        return requirement.getDirectives().get(Namespace.REQUIREMENT_FILTER_DIRECTIVE);
    }

    /** @return the attribute that names a capability in this namespace ({@code osgi.wiring.package}, ...), or {@code null} */
    static String keyAttribute(String namespace) {
        switch (namespace) {
            case "osgi.service":
                return OBJECT_CLASS;
            case "osgi.native":
                return null;
            default:
                // osgi.wiring.package, osgi.wiring.bundle, osgi.wiring.host, osgi.identity, osgi.ee, osgi.extender,
                // osgi.contract, osgi.implementation, osgi.serviceloader: the namespace is the name attribute
                return namespace;
        }
    }

    /** @return the attribute that holds the version in this namespace */
    static String versionAttribute(String namespace) {
        switch (namespace) {
            case BundleNamespace.BUNDLE_NAMESPACE:
            case HostNamespace.HOST_NAMESPACE:
                return AbstractWiringNamespace.CAPABILITY_BUNDLE_VERSION_ATTRIBUTE;
            default:
                return PackageNamespace.CAPABILITY_VERSION_ATTRIBUTE; // "version"; also osgi.ee, osgi.extender, osgi.identity
        }
    }

    /** @return the name the requirement asks for (the value of its key term), or {@code null} */
    static String name(Requirement requirement) {
        String key = keyAttribute(requirement.getNamespace());
        return key == null ? null : equalityValue(filter(requirement), key);
    }

    /** @return the capability's name (the value of its key attribute) as a string, or {@code null} */
    static String name(Capability capability) {
        String key = keyAttribute(capability.getNamespace());
        if (key == null) {
            return null;
        }
        Object value = capability.getAttributes().get(key);
        if (value instanceof List && ((List<?>) value).size() == 1) {
            value = ((List<?>) value).get(0);
        }
        return value == null ? null : String.valueOf(value);
    }

    /** @return every name of the capability (several for a service capability offering several interfaces) */
    static List<String> names(Capability capability) {
        String key = keyAttribute(capability.getNamespace());
        if (key == null) {
            return List.of();
        }
        Object value = capability.getAttributes().get(key);
        if (value == null) {
            return List.of();
        }
        if (value instanceof List) {
            List<String> names = new ArrayList<>();
            for (Object o : (List<?>) value) {
                names.add(String.valueOf(o));
            }
            return names;
        }
        if (value instanceof String[]) {
            return List.of((String[]) value);
        }
        return List.of(String.valueOf(value));
    }

    /** @return the capability's version, or {@code null} */
    static Version version(Capability capability) {
        Object v = capability.getAttributes().get(versionAttribute(capability.getNamespace()));
        if (v instanceof Version) {
            return (Version) v;
        }
        if (v instanceof String) {
            try {
                return Version.parseVersion((String) v);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        if (v instanceof List && !((List<?>) v).isEmpty() && ((List<?>) v).get(0) instanceof Version) {
            return (Version) ((List<?>) v).get(0); // osgi.ee lists its versions; the first names it well enough
        }
        return null;
    }

    /** @return the version range the requirement's filter asks for, or {@code null} when it has no version term */
    public static VersionRange range(Requirement requirement) {
        return range(filter(requirement), versionAttribute(requirement.getNamespace()));
    }

    /** @return the range as people read it: {@code [1.0.0,2.0.0)}, {@code [1.0.0,∞)}, or {@code 1.0.0} for an exact version */
    public static String text(VersionRange range) {
        if (range == null) {
            return null;
        }
        if (range.getRight() == null) {
            return (range.getLeftType() == VersionRange.LEFT_CLOSED ? "[" : "(") + range.getLeft() + ",∞)";
        }
        if (range.getLeft().equals(range.getRight()) && range.getLeftType() == VersionRange.LEFT_CLOSED
                && range.getRightType() == VersionRange.RIGHT_CLOSED) {
            return range.getLeft().toString();
        }
        return range.toString();
    }

    /**
     * @param filter an LDAP filter
     * @param attr   a version attribute
     * @return the range its top-level version terms describe, or {@code null} when there is none
     */
    static VersionRange range(String filter, String attr) {
        Version left = null;
        Version right = null;
        char leftType = VersionRange.LEFT_CLOSED;
        char rightType = VersionRange.RIGHT_OPEN;
        boolean any = false;
        for (String term : andTerms(filter)) {
            boolean negated = term.startsWith("(!(") && term.endsWith("))");
            String inner = negated ? term.substring(2, term.length() - 1) : term;
            String[] cmp = comparison(inner);
            if (cmp == null || !cmp[0].equalsIgnoreCase(attr)) {
                continue;
            }
            Version v;
            try {
                v = Version.parseVersion(cmp[2].trim());
            } catch (IllegalArgumentException e) {
                continue;
            }
            any = true;
            switch (cmp[1] + (negated ? "!" : "")) {
                case ">=": left = v; leftType = VersionRange.LEFT_CLOSED; break;
                case "<=!": left = v; leftType = VersionRange.LEFT_OPEN; break;
                case "<=": right = v; rightType = VersionRange.RIGHT_CLOSED; break;
                case ">=!": right = v; rightType = VersionRange.RIGHT_OPEN; break;
                case "=": left = v; right = v; leftType = VersionRange.LEFT_CLOSED; rightType = VersionRange.RIGHT_CLOSED; break;
                default: any = false;
            }
        }
        if (!any) {
            return null;
        }
        if (left == null) {
            left = Version.emptyVersion;
        }
        return new VersionRange(leftType, left, right, right == null ? VersionRange.RIGHT_OPEN : rightType);
    }

    /**
     * @return the top-level terms of an {@code (&...)} filter, nested ANDs flattened; the filter itself when it is
     *         not an AND; nothing for {@code null}
     */
    static List<String> andTerms(String filter) {
        if (filter == null || filter.isBlank()) {
            return List.of();
        }
        String f = filter.trim();
        if (!f.startsWith("(&")) {
            return List.of(f);
        }
        List<String> terms = new ArrayList<>();
        int depth = 0;
        int start = -1;
        for (int i = 2; i < f.length() - 1; i++) {
            char c = f.charAt(i);
            if (c == '\\') {
                i++;
                continue;
            }
            if (c == '(') {
                if (depth == 0) {
                    start = i;
                }
                depth++;
            } else if (c == ')') {
                depth--;
                if (depth == 0 && start >= 0) {
                    String term = f.substring(start, i + 1);
                    if (term.startsWith("(&")) {
                        terms.addAll(andTerms(term)); // (&(a)(&(b)(c))) reads as (&(a)(b)(c))
                    } else {
                        terms.add(term);
                    }
                    start = -1;
                }
            }
        }
        return terms;
    }

    /** @return the value of a top-level {@code (attr=value)} term without wildcards, or {@code null} */
    static String equalityValue(String filter, String attr) {
        for (String term : andTerms(filter)) {
            String[] cmp = comparison(term);
            if (cmp != null && cmp[1].equals("=") && cmp[0].equalsIgnoreCase(attr) && !cmp[2].contains("*")) {
                return unescape(cmp[2]);
            }
        }
        return null;
    }

    /** @return {attribute, operator, value} of a simple term {@code (a>=v)}, or {@code null} */
    private static String[] comparison(String term) {
        if (term == null || term.length() < 4 || term.charAt(0) != '(' || term.charAt(term.length() - 1) != ')') {
            return null;
        }
        String body = term.substring(1, term.length() - 1);
        if (body.startsWith("&") || body.startsWith("|") || body.startsWith("!")) {
            return null;
        }
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c == '=' || c == '>' || c == '<' || c == '~') {
                String op = c == '=' ? "=" : body.substring(i, Math.min(i + 2, body.length()));
                if (!op.equals("=") && !op.endsWith("=")) {
                    return null;
                }
                return new String[] {body.substring(0, i).trim(), op, body.substring(i + op.length())};
            }
        }
        return null;
    }

    private static String unescape(String value) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\' && i + 1 < value.length()) {
                c = value.charAt(++i);
            }
            b.append(c);
        }
        return b.toString();
    }

    /**
     * @return whether the capability satisfies the requirement: its filter matches the attributes and every
     *         attribute the capability declares mandatory is named in the filter
     */
    static boolean matches(Requirement requirement, Capability capability) {
        return mismatches(requirement, capability).isEmpty();
    }

    /**
     * @return why the capability does not satisfy the requirement, one sentence each; empty when it does
     */
    static List<String> mismatches(Requirement requirement, Capability capability) {
        if (!requirement.getNamespace().equals(capability.getNamespace())) {
            return List.of("it is in namespace " + capability.getNamespace() + ", not " + requirement.getNamespace());
        }
        Map<String, Object> attrs = capability.getAttributes();
        String filter = filter(requirement);
        Set<String> reasons = new LinkedHashSet<>();
        String versionAttr = versionAttribute(requirement.getNamespace());
        if (filter != null && !evaluate(filter, attrs)) {
            List<String> terms = andTerms(filter);
            boolean explained = false;
            for (String term : terms) {
                if (evaluate(term, attrs)) {
                    continue;
                }
                explained = true;
                String attr = attributeOf(term);
                if (attr != null && attr.equalsIgnoreCase(versionAttr)) {
                    Version v = version(capability);
                    VersionRange r = range(filter, versionAttr);
                    reasons.add("version " + (v == null ? "(none)" : v) + " is outside " + (r == null ? term : text(r)));
                } else if (attr != null && !attrs.containsKey(attr)) {
                    reasons.add("it has no attribute " + attr + ", which " + term + " asks for");
                } else if (attr != null) {
                    reasons.add("attribute " + attr + " is " + show(attrs.get(attr)) + ", the requirement asks for " + term);
                } else {
                    reasons.add("it does not match " + term);
                }
            }
            if (!explained) {
                reasons.add("it does not match the filter " + filter);
            }
        }
        String mandatory = capability.getDirectives().get(PackageNamespace.CAPABILITY_MANDATORY_DIRECTIVE);
        if (mandatory != null) {
            for (String m : mandatory.split(",")) {
                String attr = m.trim();
                if (!attr.isEmpty() && (filter == null || !mentions(filter, attr))) {
                    reasons.add("its attribute " + attr + " is mandatory and the requirement does not name it");
                }
            }
        }
        return new ArrayList<>(reasons);
    }

    private static boolean mentions(String filter, String attr) {
        String lower = filter.toLowerCase();
        String a = attr.toLowerCase();
        return lower.contains("(" + a + "=") || lower.contains("(" + a + ">=") || lower.contains("(" + a + "<=")
                || lower.contains("(" + a + "~=");
    }

    private static String show(Object value) {
        if (value instanceof List) {
            return String.valueOf(value);
        }
        return "'" + value + "'";
    }

    /** @return the attribute a simple or negated simple term tests, or {@code null} */
    static String attributeOf(String term) {
        String t = term;
        while (t.startsWith("(!(") && t.endsWith("))")) {
            t = t.substring(2, t.length() - 1);
        }
        String[] cmp = comparison(t);
        return cmp == null ? null : cmp[0];
    }

    /** Evaluates with the framework's filter implementation; an unparsable filter matches nothing. */
    static boolean evaluate(String filter, Map<String, ?> attrs) {
        try {
            Filter f = FrameworkUtil.createFilter(filter);
            return f.matches(attrs);
        } catch (InvalidSyntaxException | IllegalArgumentException e) {
            return false;
        }
    }

    /** @return the requirement in plain words, e.g. {@code imports package org.example.utils [1.0.0,2.0.0)} */
    static String describe(Requirement requirement) {
        String ns = requirement.getNamespace();
        String name = name(requirement);
        VersionRange r = range(requirement);
        String range = r == null ? "" : " " + text(r);
        String optional = Namespace.RESOLUTION_OPTIONAL.equals(requirement.getDirectives().get(Namespace.REQUIREMENT_RESOLUTION_DIRECTIVE))
                ? " (optional)" : "";
        switch (ns) {
            case PackageNamespace.PACKAGE_NAMESPACE:
                return "imports package " + name + range + optional;
            case BundleNamespace.BUNDLE_NAMESPACE:
                return "requires bundle " + name + range + optional;
            case HostNamespace.HOST_NAMESPACE:
                return "is a fragment of host " + name + range;
            case ExecutionEnvironmentNamespace.EXECUTION_ENVIRONMENT_NAMESPACE:
                return "needs execution environment " + name + range;
            case IdentityNamespace.IDENTITY_NAMESPACE:
                return "requires resource " + name + range + optional;
            case "osgi.extender":
                return "needs extender " + name + range + optional;
            case "osgi.service":
                return "needs service " + name + optional;
            default:
                return "requires " + ns + " " + (name != null ? name + range : filter(requirement)) + optional;
        }
    }

    /** @return the items, sorted, without duplicates */
    static List<String> sorted(java.util.Collection<String> items) {
        List<String> list = new ArrayList<>(new LinkedHashSet<>(items));
        Collections.sort(list);
        return list;
    }
}
