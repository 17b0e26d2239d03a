package dev.revisor.deploy.internal.config;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;

/**
 * Checks configuration values against the Metatype description of their PID, when a bundle has one: the type of each
 * described key, its range and options ({@link AttributeDefinition#validate}), and required keys without a default.
 * Keys the description does not name pass. Stateless; called on the config thread.
 */
final class MetatypeCheck {
    private final BundleContext context;
    private final MetaTypeService metatype;

    MetatypeCheck(BundleContext context, MetaTypeService metatype) {
        this.context = context;
        this.metatype = metatype;
    }

    /** @return the description of the PID (its factory PID for a factory configuration), or {@code null} */
    ObjectClassDefinition find(ConfigFile.Pid pid) {
        String wanted = pid.factoryPid() != null ? pid.factoryPid() : pid.pid();
        for (Bundle b : context.getBundles()) {
            if (b.getState() == Bundle.UNINSTALLED) {
                continue;
            }
            try {
                MetaTypeInformation info = metatype.getMetaTypeInformation(b);
                if (info == null) {
                    continue;
                }
                String[] ids = pid.factoryPid() != null ? info.getFactoryPids() : info.getPids();
                if (ids != null && Arrays.asList(ids).contains(wanted)) {
                    return info.getObjectClassDefinition(wanted, null);
                }
            } catch (RuntimeException e) {
                // a bundle with a broken description says nothing about this PID
            }
        }
        return null;
    }

    /**
     * @return one text per problem, naming the key, the value and what was expected; empty when the values pass
     */
    List<String> check(ConfigFile.Pid pid, Map<String, Object> values) {
        ObjectClassDefinition ocd = find(pid);
        List<String> problems = new ArrayList<>();
        if (ocd == null) {
            return problems;
        }
        String where = " (Metatype of " + (pid.factoryPid() != null ? pid.factoryPid() : pid.pid()) + ")";
        AttributeDefinition[] required = ocd.getAttributeDefinitions(ObjectClassDefinition.REQUIRED);
        AttributeDefinition[] all = ocd.getAttributeDefinitions(ObjectClassDefinition.ALL);
        for (AttributeDefinition ad : all == null ? new AttributeDefinition[0] : all) {
            Object value = values.get(ad.getID());
            if (value == null) {
                if (isIn(ad, required) && (ad.getDefaultValue() == null || ad.getDefaultValue().length == 0)) {
                    problems.add("key '" + ad.getID() + "' is missing: it is required and has no default, expected "
                            + expected(ad) + where);
                }
                continue;
            }
            List<Object> items = Values.list(value);
            if (ad.getCardinality() == 0 && items.size() != 1) {
                problems.add("key '" + ad.getID() + "': value " + Values.show(ad.getID(), value) + " is a list, expected one "
                        + expected(ad) + where);
                continue;
            }
            for (Object item : items) {
                String problem = checkOne(ad, item);
                if (problem != null) {
                    problems.add("key '" + ad.getID() + "': value '" + Values.show(ad.getID(), item) + "' " + problem + where);
                    break;
                }
            }
        }
        return problems;
    }

    private static boolean isIn(AttributeDefinition ad, AttributeDefinition[] ads) {
        if (ads != null) {
            for (AttributeDefinition a : ads) {
                if (a.getID().equals(ad.getID())) {
                    return true;
                }
            }
        }
        return false;
    }

    /** @return what is wrong with one value, or {@code null} */
    static String checkOne(AttributeDefinition ad, Object item) {
        String text = String.valueOf(item).trim();
        String typeProblem = type(ad.getType(), item, text);
        if (typeProblem != null) {
            return typeProblem;
        }
        String[] options = ad.getOptionValues();
        if (options != null && options.length > 0 && !Arrays.asList(options).contains(text)) {
            return "is not among the options: expected one of " + String.join(", ", options);
        }
        String result;
        try {
            result = ad.validate(text);
        } catch (RuntimeException e) {
            result = null; // the description cannot validate: the type check above is all there is
        }
        if (result != null && !result.isEmpty()) {
            return "is out of range: " + result + "; expected " + expected(ad);
        }
        return null;
    }

    private static String type(int type, Object item, String text) {
        try {
            switch (type) {
                case AttributeDefinition.INTEGER:
                    if (!(item instanceof Integer)) {
                        Integer.parseInt(text);
                    }
                    return null;
                case AttributeDefinition.LONG:
                    if (!(item instanceof Long || item instanceof Integer)) {
                        Long.parseLong(text);
                    }
                    return null;
                case AttributeDefinition.SHORT:
                    Short.parseShort(text);
                    return null;
                case AttributeDefinition.BYTE:
                    Byte.parseByte(text);
                    return null;
                case AttributeDefinition.DOUBLE:
                case AttributeDefinition.FLOAT:
                    Double.parseDouble(text);
                    return null;
                case AttributeDefinition.CHARACTER:
                    return text.length() == 1 ? null : "is not one character: expected a Character";
                case AttributeDefinition.BOOLEAN:
                    return item instanceof Boolean || text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false") ? null
                            : "is not a boolean: expected true or false";
                default:
                    return null;
            }
        } catch (NumberFormatException e) {
            return "is not " + typeName(type) + ": expected " + typeName(type);
        }
    }

    static String typeName(int type) {
        switch (type) {
            case AttributeDefinition.INTEGER: return "an Integer";
            case AttributeDefinition.LONG: return "a Long";
            case AttributeDefinition.SHORT: return "a Short";
            case AttributeDefinition.BYTE: return "a Byte";
            case AttributeDefinition.DOUBLE: return "a Double";
            case AttributeDefinition.FLOAT: return "a Float";
            case AttributeDefinition.CHARACTER: return "a Character";
            case AttributeDefinition.BOOLEAN: return "a Boolean";
            case AttributeDefinition.PASSWORD: return "a Password";
            default: return "a String";
        }
    }

    private static String expected(AttributeDefinition ad) {
        StringBuilder s = new StringBuilder(typeName(ad.getType()));
        if (ad.getCardinality() != 0) {
            s.append(" list");
        }
        String[] options = ad.getOptionValues();
        if (options != null && options.length > 0) {
            s.append(" among ").append(String.join(", ", options));
        }
        return s.toString();
    }
}
