package dev.revisor.audit.internal.leaks;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Reflective access to the JDK internals that tie objects to threads and to the JVM: a thread's Runnable, its
 * ThreadLocal maps, an executor worker's pool, a Timer's queue, the shutdown hooks, the JDBC drivers, and
 * {@code ClassLoader.findLoadedClass}. Each needs the JVM option {@code --add-opens} for its package; what is not
 * open is left out and named in {@link #missing()}, and the checks that need it are skipped.
 * <p>
 * Concurrent Semantics: immutable after construction, thread safe.
 */
final class Internals {
    /** The JVM options that make every check possible; the launcher and the itests pass them. */
    static final String ADD_OPENS = "--add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/java.util=ALL-UNNAMED "
            + "--add-opens java.base/java.util.concurrent=ALL-UNNAMED --add-opens java.sql/java.sql=ALL-UNNAMED";

    final Field threadTarget;
    final Field threadLocals;
    final Field inheritableThreadLocals;
    final Field mapTable;
    final Field entryValue;
    final Field workerPool;
    final Field workerFirstTask;
    final Field timerQueue;
    final Field taskQueueArray;
    final Field futureCallable;
    final Field adapterTask;
    final Field shutdownHooks;
    final Field registeredDrivers;
    final Field driverInfoDriver;
    final Method findLoadedClass;
    private final List<String> missing;

    Internals() {
        List<String> miss = new ArrayList<>();
        threadTarget = field(Thread.class, "target", "java.base/java.lang", miss);
        threadLocals = field(Thread.class, "threadLocals", "java.base/java.lang", miss);
        inheritableThreadLocals = field(Thread.class, "inheritableThreadLocals", "java.base/java.lang", miss);
        mapTable = field("java.lang.ThreadLocal$ThreadLocalMap", "table", "java.base/java.lang", miss);
        entryValue = field("java.lang.ThreadLocal$ThreadLocalMap$Entry", "value", "java.base/java.lang", miss);
        workerPool = field("java.util.concurrent.ThreadPoolExecutor$Worker", "this$0", "java.base/java.util.concurrent", miss);
        workerFirstTask = field("java.util.concurrent.ThreadPoolExecutor$Worker", "firstTask", "java.base/java.util.concurrent", miss);
        futureCallable = field("java.util.concurrent.FutureTask", "callable", "java.base/java.util.concurrent", miss);
        adapterTask = field("java.util.concurrent.Executors$RunnableAdapter", "task", "java.base/java.util.concurrent", miss);
        timerQueue = field("java.util.TimerThread", "queue", "java.base/java.util", miss);
        taskQueueArray = field("java.util.TaskQueue", "queue", "java.base/java.util", miss);
        shutdownHooks = field("java.lang.ApplicationShutdownHooks", "hooks", "java.base/java.lang", miss);
        registeredDrivers = field("java.sql.DriverManager", "registeredDrivers", "java.sql/java.sql", miss);
        driverInfoDriver = field("java.sql.DriverInfo", "driver", "java.sql/java.sql", miss);
        Method m = null;
        try {
            m = ClassLoader.class.getDeclaredMethod("findLoadedClass", String.class);
            m.setAccessible(true);
        } catch (ReflectiveOperationException | RuntimeException e) {
            m = null;
            note(miss, "java.base/java.lang");
        }
        findLoadedClass = m;
        this.missing = Collections.unmodifiableList(miss);
    }

    /** @return the packages that are not open (e.g. {@code java.base/java.lang}); empty when everything is inspectable */
    List<String> missing() {
        return missing;
    }

    /** @return whether the thread internals (Runnable, ThreadLocals) can be read */
    boolean threadsInspectable() {
        return threadTarget != null && threadLocals != null && mapTable != null && entryValue != null;
    }

    /** @return the value of an instance field of the target, or {@code null} */
    static Object get(Field field, Object target) {
        if (field == null || target == null) {
            return null;
        }
        try {
            return field.get(target);
        } catch (IllegalAccessException | IllegalArgumentException e) {
            return null;
        }
    }

    /** @return the value of a static field, or {@code null} */
    static Object getStatic(Field field) {
        if (field == null) {
            return null;
        }
        try {
            return field.get(null);
        } catch (IllegalAccessException | IllegalArgumentException e) {
            return null;
        }
    }

    /** @return the class of that name defined or initiated by the loader, or {@code null} */
    Class<?> findLoaded(ClassLoader loader, String name) {
        if (findLoadedClass == null) {
            return null;
        }
        try {
            return (Class<?>) findLoadedClass.invoke(loader, name);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    private static Field field(String className, String name, String module, List<String> missing) {
        try {
            // java.sql lives in the platform class loader, java.base in the boot loader: the platform loader finds both
            return field(Class.forName(className, false, ClassLoader.getPlatformClassLoader()), name, module, missing);
        } catch (ClassNotFoundException | LinkageError e) {
            note(missing, module);
            return null;
        }
    }

    private static Field field(Class<?> cls, String name, String module, List<String> missing) {
        try {
            Field f = cls.getDeclaredField(name);
            f.setAccessible(true);
            return f;
        } catch (ReflectiveOperationException | RuntimeException e) {
            // InaccessibleObjectException: the package is not opened to us
            note(missing, module);
            return null;
        }
    }

    private static void note(List<String> missing, String module) {
        if (!missing.contains(module)) {
            missing.add(module);
        }
    }

    /** @return the message for people when something is missing, or {@code null} */
    String note() {
        if (missing.isEmpty()) {
            return null;
        }
        List<String> options = new ArrayList<>();
        List<String> unchecked = new ArrayList<>();
        for (String m : missing) {
            options.add("--add-opens " + m + "=ALL-UNNAMED");
            switch (m) {
                case "java.base/java.lang":
                    unchecked.add("a thread's Runnable, ThreadLocal values, stack frames by revision, shutdown hooks");
                    break;
                case "java.base/java.util":
                    unchecked.add("Timer tasks");
                    break;
                case "java.base/java.util.concurrent":
                    unchecked.add("executor tasks");
                    break;
                default:
                    unchecked.add("JDBC drivers");
            }
        }
        return "not inspectable without " + String.join(" ", options) + ": " + String.join("; ", unchecked)
                + " are not checked";
    }
}
