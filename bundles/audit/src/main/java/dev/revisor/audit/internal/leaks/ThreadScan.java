package dev.revisor.audit.internal.leaks;

import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;

/**
 * Ties live threads, and ThreadLocal values in any thread, to bundle revisions by their class loaders. In order, the
 * first that matches wins: the thread's own class, its Runnable, the tasks queued in its executor or Timer and the
 * executor's thread factory, its context class loader, and the frames on its stack. ThreadLocal values (and custom
 * ThreadLocal classes) are looked at in every thread.
 * <p>
 * Holds the threads and loaders only while {@link #scan} runs. Concurrent Semantics: thread safe (no state besides
 * the immutable {@link Internals}).
 */
final class ThreadScan {
    /** What ties a thread to a revision; {@link #word} is the subject's prefix. */
    enum Kind {
        /** the thread itself runs the revision's code */
        THREAD("thread"),
        /** the thread holds a ThreadLocal value of the revision */
        THREAD_LOCAL("threadlocal");

        private final String word;

        Kind(String word) {
            this.word = word;
        }

        String word() {
            return word;
        }
    }

    /** One thread (or thread-local value) tied to a revision. */
    static final class Hit {
        final Thread thread;
        final LoaderRef ref;
        final Kind kind;
        final String attribution;
        final String culprit;

        Hit(Thread thread, LoaderRef ref, Kind kind, String attribution, String culprit) {
            this.thread = thread;
            this.ref = ref;
            this.kind = kind;
            this.attribution = attribution;
            this.culprit = culprit;
        }

        /** @return what identifies this leak across checks */
        String subject() {
            return kind.word() + ":" + thread.getId() + ":" + culprit;
        }
    }

    private final Internals internals;

    ThreadScan(Internals internals) {
        this.internals = internals;
    }

    /**
     * @param loaders the class loaders to look for (an identity map), each with its revision
     * @param others  the class loaders of the revisions in use: a stack frame names a class only by its name, so a
     *                frame whose class name one of these defined too is not attributed (it may be theirs)
     * @param threads the threads to look at
     * @return every tie found
     */
    List<Hit> scan(Map<ClassLoader, LoaderRef> loaders, Collection<ClassLoader> others, Collection<Thread> threads) {
        List<Hit> hits = new ArrayList<>();
        if (loaders.isEmpty()) {
            return hits;
        }
        Thread self = Thread.currentThread();
        for (Thread t : threads) {
            if (t == self || !t.isAlive()) {
                continue;
            }
            Hit hit = attribute(t, loaders, others);
            if (hit != null) {
                hits.add(hit);
            }
            threadLocals(t, loaders, hits);
        }
        return hits;
    }

    private Hit attribute(Thread t, Map<ClassLoader, LoaderRef> loaders, Collection<ClassLoader> others) {
        LoaderRef ref = loaders.get(t.getClass().getClassLoader());
        if (ref != null) {
            return new Hit(t, ref, Kind.THREAD, "thread-class", t.getClass().getName());
        }
        Object target = Internals.get(internals.threadTarget, t);
        if (target != null) {
            ref = loaderOf(target, loaders);
            if (ref != null) {
                return new Hit(t, ref, Kind.THREAD, "runnable", target.getClass().getName());
            }
            Object pool = Internals.get(internals.workerPool, target);
            if (pool instanceof ThreadPoolExecutor) {
                Hit hit = executor(t, (ThreadPoolExecutor) pool, Internals.get(internals.workerFirstTask, target), loaders);
                if (hit != null) {
                    return hit;
                }
            }
        }
        if ("java.util.TimerThread".equals(t.getClass().getName())) {
            Object queue = Internals.get(internals.taskQueueArray, Internals.get(internals.timerQueue, t));
            if (queue instanceof Object[]) {
                for (Object task : (Object[]) queue) {
                    ref = task == null ? null : loaderOf(task, loaders);
                    if (ref != null) {
                        return new Hit(t, ref, Kind.THREAD, "timer-task", task.getClass().getName());
                    }
                }
            }
        }
        ref = loaders.get(t.getContextClassLoader());
        if (ref != null) {
            return new Hit(t, ref, Kind.THREAD, "context-class-loader", "context class loader of the thread");
        }
        if (internals.findLoadedClass != null) {
            for (StackTraceElement frame : t.getStackTrace()) {
                LoaderRef match = null;
                int defining = 0;
                for (Map.Entry<ClassLoader, LoaderRef> e : loaders.entrySet()) {
                    if (defines(e.getKey(), frame.getClassName())) {
                        match = e.getValue();
                        defining++;
                    }
                }
                if (match == null) {
                    continue;
                }
                for (ClassLoader other : others) {
                    if (!loaders.containsKey(other) && defines(other, frame.getClassName())) {
                        defining++;
                    }
                }
                if (defining == 1) {
                    return new Hit(t, match, Kind.THREAD, "stack-frame", frame.toString());
                }
            }
        }
        return null;
    }

    private boolean defines(ClassLoader loader, String className) {
        Class<?> c = internals.findLoaded(loader, className);
        return c != null && c.getClassLoader() == loader;
    }

    private Hit executor(Thread t, ThreadPoolExecutor pool, Object firstTask, Map<ClassLoader, LoaderRef> loaders) {
        List<Object> tasks = new ArrayList<>();
        if (firstTask != null) {
            tasks.add(firstTask);
        }
        try {
            tasks.addAll(List.of(pool.getQueue().toArray()));
        } catch (RuntimeException e) {
            // a queue that refuses toArray: skip its tasks
        }
        for (Object task : tasks) {
            Object inner = unwrap(task);
            LoaderRef ref = loaderOf(inner, loaders);
            if (ref != null) {
                return new Hit(t, ref, Kind.THREAD, "executor-task", inner.getClass().getName());
            }
        }
        ThreadFactory factory = pool.getThreadFactory();
        LoaderRef ref = factory == null ? null : loaderOf(factory, loaders);
        if (ref != null) {
            return new Hit(t, ref, Kind.THREAD, "executor-thread-factory", factory.getClass().getName());
        }
        return null;
    }

    /** @return the user's task inside a FutureTask / RunnableAdapter, or the task itself */
    private Object unwrap(Object task) {
        Object current = task;
        for (int i = 0; i < 3 && current != null; i++) {
            Object callable = Internals.get(internals.futureCallable, current);
            if (callable != null && internals.futureCallable.getDeclaringClass().isInstance(current)) {
                current = callable;
                continue;
            }
            if (internals.adapterTask != null && internals.adapterTask.getDeclaringClass().isInstance(current)) {
                Object inner = Internals.get(internals.adapterTask, current);
                if (inner != null) {
                    current = inner;
                    continue;
                }
            }
            break;
        }
        return current == null ? task : current;
    }

    private void threadLocals(Thread t, Map<ClassLoader, LoaderRef> loaders, List<Hit> hits) {
        for (Object map : new Object[] {Internals.get(internals.threadLocals, t), Internals.get(internals.inheritableThreadLocals, t)}) {
            Object table = Internals.get(internals.mapTable, map);
            if (!(table instanceof Object[])) {
                continue;
            }
            for (Object entry : (Object[]) table) {
                if (entry == null) {
                    continue;
                }
                Object value = Internals.get(internals.entryValue, entry);
                Object key = ((java.lang.ref.Reference<?>) entry).get();
                LoaderRef ref = value == null ? null : loaderOfDeep(value, loaders);
                String culprit = value == null ? null : value.getClass().getName();
                if (ref == null && key != null) {
                    ref = loaderOf(key, loaders);
                    culprit = key.getClass().getName();
                }
                if (ref != null) {
                    hits.add(new Hit(t, ref, Kind.THREAD_LOCAL, "thread-local", culprit));
                }
            }
        }
    }

    /** The object's class, or for an array or collection its first elements' classes (one level). */
    private static LoaderRef loaderOfDeep(Object value, Map<ClassLoader, LoaderRef> loaders) {
        LoaderRef ref = loaderOf(value, loaders);
        if (ref != null) {
            return ref;
        }
        if (value instanceof Object[]) {
            int n = Math.min(Array.getLength(value), 64);
            for (int i = 0; i < n && ref == null; i++) {
                Object e = ((Object[]) value)[i];
                ref = e == null ? null : loaderOf(e, loaders);
            }
        } else if (value instanceof Collection) {
            try {
                int i = 0;
                for (Object e : (Collection<?>) value) {
                    if (i++ >= 64 || ref != null) {
                        break;
                    }
                    ref = e == null ? null : loaderOf(e, loaders);
                }
            } catch (RuntimeException e) {
                // a collection that fails to iterate (concurrently modified): skip it
            }
        }
        return ref;
    }

    private static LoaderRef loaderOf(Object o, Map<ClassLoader, LoaderRef> loaders) {
        return o == null ? null : loaders.get(o.getClass().getClassLoader());
    }
}
