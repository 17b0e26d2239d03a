package dev.revisor.heapanalyzer;

import java.io.File;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import shark.CloseableHeapGraph;
import shark.GcRoot;
import shark.HeapField;
import shark.HeapObject;
import shark.HeapObject.HeapClass;
import shark.HeapObject.HeapInstance;
import shark.HeapObject.HeapObjectArray;
import shark.HeapValue;
import shark.HprofHeapGraph;
import shark.HprofIndex;
import shark.HprofRecord.HeapDumpRecord.ObjectRecord.ClassDumpRecord;
import shark.HprofRecordTag;

/**
 * The shortest strong reference chain from a GC root to each target object of a HotSpot heap dump.
 * <p>
 * Targets are the referents of the weak references of one class (the audit bundle's {@code LoaderRef}: it points
 * weakly at the class loader of a retired bundle revision and names the revision in a string field). The search is a
 * breadth-first search over Shark's heap graph from every GC root, with the edges a JVM really keeps objects alive
 * by, which Shark's own leak finder partly lacks: instance fields, static fields, array slots, instance → its class,
 * array → its array class, class → its defining class loader, class → superclass, class → protection domain.
 * {@code Reference.referent} (and {@code discovered}) are not followed: an object reachable only through weak, soft or
 * phantom references has no strong path. The search stops as soon as every target is found.
 * <p>
 * Memory: Shark's index plus about 40 bytes for each object visited. Not thread safe.
 */
public final class HeapChains implements AutoCloseable {
    /** Felix 7's class loader of a bundle revision. */
    static final String FELIX_LOADER = "org.apache.felix.framework.BundleWiringImpl$BundleClassLoader";
    private static final String REFERENCE = "java.lang.ref.Reference";

    private final CloseableHeapGraph graph;
    private final Consumer<String> progress;
    private final Map<Long, Map<String, Object>> owners = new HashMap<>();
    private final Map<Integer, String> threadNames = new HashMap<>();
    private final long indexMillis;

    /**
     * Opens and indexes a heap dump.
     *
     * @param dump     an HPROF file
     * @param progress receives a line now and then
     */
    public HeapChains(File dump, Consumer<String> progress) {
        this.progress = progress;
        long start = System.nanoTime();
        progress.accept("indexing " + dump.getName() + " (" + (dump.length() / (1024 * 1024)) + " MB)");
        EnumSet<HprofRecordTag> roots = HprofIndex.Companion.defaultIndexedGcRootTags();
        roots.add(HprofRecordTag.ROOT_UNKNOWN);
        roots.add(HprofRecordTag.ROOT_VM_INTERNAL);
        this.graph = HprofHeapGraph.Companion.openHeapGraph(dump, null, roots);
        this.indexMillis = (System.nanoTime() - start) / 1_000_000;
        progress.accept("indexed " + graph.getObjectCount() + " objects (" + graph.getClassCount() + " classes) in "
                + indexMillis + " ms");
        for (GcRoot root : graph.getGcRoots()) {
            if (root instanceof GcRoot.ThreadObject) {
                GcRoot.ThreadObject t = (GcRoot.ThreadObject) root;
                threadNames.put(t.getThreadSerialNumber(), threadName(t.getId()));
            }
        }
    }

    long indexMillis() {
        return indexMillis;
    }

    int objectCount() {
        return graph.getObjectCount();
    }

    /** One target: the object a weak reference of the given class points at, and the key naming it. */
    public static final class Target {
        public final String key;
        public final long objectId;

        Target(String key, long objectId) {
            this.key = key;
            this.objectId = objectId;
        }
    }

    /**
     * @param refClass the class of the weak references that point at the targets (instances of subclasses count too)
     * @param keyField a String field of that class naming the target
     * @return each reference's key and referent id (0 when the referent was cleared)
     */
    public List<Target> targets(String refClass, String keyField) {
        // The class may be defined more than once: each framework started in this JVM (a restart after a system bundle
        // update, or the several frameworks of an integration test run) loads the audit bundle, and so this class,
        // again. findClassByName would give one of them only, and the targets of the others would look collected.
        List<Target> targets = new ArrayList<>();
        for (Iterator<HeapClass> classes = graph.getClasses().iterator(); classes.hasNext();) {
            HeapClass cls = classes.next();
            if (!cls.getName().equals(refClass)) {
                continue;
            }
            for (Iterator<HeapInstance> it = cls.getInstances().iterator(); it.hasNext();) {
                HeapInstance ref = it.next();
                HeapField keyValue = ref.get(refClass, keyField);
                String key = keyValue == null ? null : keyValue.getValue().readAsJavaString();
                HeapField referent = ref.get(REFERENCE, "referent");
                Long id = referent == null ? null : referent.getValue().getAsObjectId();
                targets.add(new Target(key == null ? "#" + ref.getObjectId() : key, id == null ? 0 : id));
            }
        }
        return targets;
    }

    /**
     * Searches the chains.
     *
     * @param targets        the objects to reach
     * @param deadlineNanos  {@link System#nanoTime()} past which the search gives up
     * @return per target key: {@code status} ({@code found}, {@code no-strong-path}, {@code collected}, {@code timeout}),
     *         and for found ones {@code root} and {@code hops}
     */
    public List<Map<String, Object>> chains(List<Target> targets, long deadlineNanos) {
        long start = System.nanoTime();
        Map<Long, List<String>> wanted = new HashMap<>();
        List<Map<String, Object>> results = new ArrayList<>();
        Map<String, Map<String, Object>> byKey = new LinkedHashMap<>();
        for (Target t : targets) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("key", t.key);
            byKey.put(t.key, r);
            results.add(r);
            if (t.objectId == 0 || !graph.objectExists(t.objectId)) {
                r.put("status", "collected");
                r.put("message", "the class loader is not in the heap dump: it was collected");
            } else {
                wanted.computeIfAbsent(t.objectId, k -> new ArrayList<>()).add(t.key);
                r.put("loader", describe(graph.findObjectById(t.objectId)));
                Map<String, Object> owner = owner(t.objectId);
                if (owner != null) {
                    r.put("bundle", owner);
                }
            }
        }
        if (wanted.isEmpty()) {
            return results;
        }
        Search search = new Search(wanted, deadlineNanos);
        search.run();
        for (Map.Entry<Long, List<String>> e : wanted.entrySet()) {
            int slot = search.found.getOrDefault(e.getKey(), -1);
            for (String key : e.getValue()) {
                Map<String, Object> r = byKey.get(key);
                if (slot >= 0) {
                    r.put("status", "found");
                    path(search, slot, r);
                } else if (search.timedOut) {
                    r.put("status", "timeout");
                    r.put("message", "the search gave up after " + search.visited() + " objects: time limit reached");
                } else {
                    r.put("status", "no-strong-path");
                    r.put("message", "no chain of strong references leads from a GC root to it: only weak, soft or "
                            + "phantom references (or finalization) hold it, and it will go at a later collection");
                }
            }
        }
        progress.accept("search visited " + search.visited() + " objects in " + (System.nanoTime() - start) / 1_000_000 + " ms");
        return results;
    }

    /** The breadth-first search; slots are assigned in visiting order, so the slot array is the queue. */
    private final class Search {
        final Map<Long, List<String>> wanted;
        final long deadline;
        final Map<Long, Integer> found = new HashMap<>();
        final Map<Integer, String> rootKinds = new HashMap<>();
        LongIntMap slots = new LongIntMap(1 << 16);
        long[] ids = new long[1 << 16];
        int[] parents = new int[1 << 16];
        int size;
        boolean timedOut;

        Search(Map<Long, List<String>> wanted, long deadline) {
            this.wanted = wanted;
            this.deadline = deadline;
        }

        int visited() {
            return size;
        }

        void run() {
            List<GcRoot> roots = new ArrayList<>(graph.getGcRoots());
            // thread and class roots first: at equal length, a chain from a named thread or class reads best
            roots.sort((a, b) -> Integer.compare(rootRank(a), rootRank(b)));
            for (GcRoot root : roots) {
                long id = root.getId();
                if (id != 0 && graph.objectExists(id) && add(id, -1)) {
                    rootKinds.put(size - 1, describeRoot(root));
                }
                if (found.size() == wanted.size()) {
                    return;
                }
            }
            int head = 0;
            long nextReport = 1_000_000;
            while (head < size && found.size() < wanted.size()) {
                if ((head & 0x3FFF) == 0 && System.nanoTime() > deadline) {
                    timedOut = true;
                    return;
                }
                if (head >= nextReport) {
                    progress.accept("searching: " + head + " objects visited");
                    nextReport += 1_000_000;
                }
                int parent = head++;
                HeapObject object = graph.findObjectByIdOrNull(ids[parent]);
                if (object == null) {
                    continue;
                }
                edges(object, (kind, name, target) -> {
                    if (found.size() < wanted.size()) {
                        add(target, parent);
                    }
                });
            }
        }

        private boolean add(long id, int parent) {
            if (id == 0 || !slots.putIfAbsent(id, size)) {
                return false;
            }
            if (size == ids.length) {
                ids = java.util.Arrays.copyOf(ids, size * 2);
                parents = java.util.Arrays.copyOf(parents, size * 2);
            }
            ids[size] = id;
            parents[size] = parent;
            if (wanted.containsKey(id)) {
                found.put(id, size);
            }
            size++;
            return true;
        }
    }

    private void path(Search search, int slot, Map<String, Object> result) {
        List<Integer> slots = new ArrayList<>();
        for (int s = slot; s >= 0; s = search.parents[s]) {
            slots.add(s);
        }
        Collections.reverse(slots);
        int rootSlot = slots.get(0);
        HeapObject rootObject = graph.findObjectById(search.ids[rootSlot]);
        result.put("root", search.rootKinds.get(rootSlot));
        result.put("rootObject", describe(rootObject));
        List<Map<String, Object>> hops = new ArrayList<>();
        StringBuilder text = new StringBuilder("GC root (").append(search.rootKinds.get(rootSlot)).append(") ")
                .append(describe(rootObject));
        for (int i = 1; i < slots.size(); i++) {
            HeapObject from = graph.findObjectById(search.ids[slots.get(i - 1)]);
            long toId = search.ids[slots.get(i)];
            HeapObject to = graph.findObjectById(toId);
            String[] edge = new String[2];
            edges(from, (kind, name, target) -> {
                if (edge[0] == null && target == toId) {
                    edge[0] = kind;
                    edge[1] = name;
                }
            });
            Map<String, Object> hop = new LinkedHashMap<>();
            hop.put("kind", edge[0]);
            hop.put("edge", edge[1]);
            hop.put("from", describe(from));
            hop.put("to", describe(to));
            Map<String, Object> owner = owner(classLoaderOf(from));
            if (owner != null) {
                hop.put("bundle", owner);
            }
            hops.add(hop);
            text.append(" → ").append(edgeText(edge[0], edge[1])).append(" → ").append(describe(to));
        }
        result.put("hops", hops);
        result.put("text", text.toString());
    }

    static String edgeText(String kind, String name) {
        switch (String.valueOf(kind)) {
            case "static": return "static " + name;
            case "field": return "field " + name;
            case "array": return name;
            default: return name;
        }
    }

    /** Receives one outgoing strong reference. */
    private interface EdgeSink {
        void edge(String kind, String name, long target);
    }

    private void edges(HeapObject object, EdgeSink sink) {
        if (object instanceof HeapInstance) {
            HeapInstance instance = (HeapInstance) object;
            for (Iterator<HeapField> it = instance.readFields().iterator(); it.hasNext();) {
                HeapField field = it.next();
                HeapValue value = field.getValue();
                if (!value.isNonNullReference()) {
                    continue;
                }
                HeapClass declaring = field.getDeclaringClass();
                if (REFERENCE.equals(declaring.getName())
                        && ("referent".equals(field.getName()) || "discovered".equals(field.getName()))) {
                    continue;
                }
                sink.edge("field", declaring.getSimpleName() + "." + field.getName(), value.getAsObjectId());
            }
            sink.edge("class", "<instance-of>", instance.getInstanceClassId());
        } else if (object instanceof HeapClass) {
            HeapClass cls = (HeapClass) object;
            for (Iterator<HeapField> it = cls.readStaticFields().iterator(); it.hasNext();) {
                HeapField field = it.next();
                HeapValue value = field.getValue();
                if (value.isNonNullReference()) {
                    sink.edge("static", cls.getSimpleName() + "." + field.getName(), value.getAsObjectId());
                }
            }
            ClassDumpRecord record = cls.readRecord();
            if (record.getClassLoaderId() != 0) {
                sink.edge("loader", "<defining-class-loader>", record.getClassLoaderId());
            }
            if (record.getSuperclassId() != 0) {
                sink.edge("superclass", "<superclass>", record.getSuperclassId());
            }
            if (record.getProtectionDomainId() != 0) {
                sink.edge("protection-domain", "<protection-domain>", record.getProtectionDomainId());
            }
        } else if (object instanceof HeapObjectArray) {
            HeapObjectArray array = (HeapObjectArray) object;
            long[] elements = array.readRecord().getElementIds();
            for (int i = 0; i < elements.length; i++) {
                if (elements[i] != 0) {
                    sink.edge("array", "[" + i + "]", elements[i]);
                }
            }
            sink.edge("class", "<instance-of>", array.getArrayClassId());
        }
        // primitive arrays refer to nothing
    }

    private long classLoaderOf(HeapObject object) {
        HeapClass cls;
        if (object instanceof HeapClass) {
            cls = (HeapClass) object;
        } else if (object instanceof HeapInstance) {
            cls = ((HeapInstance) object).getInstanceClass();
        } else if (object instanceof HeapObjectArray) {
            cls = ((HeapObjectArray) object).getArrayClass();
        } else {
            return 0;
        }
        return cls.readRecord().getClassLoaderId();
    }

    /**
     * @param loaderId a class loader's object id
     * @return the bundle revision a Felix bundle class loader belongs to ({@code id}, {@code symbolicName},
     *         {@code version}, {@code revision}, {@code disposed}), or {@code null} for another loader
     */
    Map<String, Object> owner(long loaderId) {
        if (loaderId == 0) {
            return null;
        }
        return owners.computeIfAbsent(loaderId, id -> {
            HeapObject o = graph.findObjectByIdOrNull(id);
            if (!(o instanceof HeapInstance) || !((HeapInstance) o).instanceOf(FELIX_LOADER)) {
                return null;
            }
            HeapInstance wiring = ref((HeapInstance) o, FELIX_LOADER, "m_wiring");
            HeapInstance revision = wiring == null ? null : ref(wiring, "org.apache.felix.framework.BundleWiringImpl", "m_revision");
            if (revision == null) {
                return null;
            }
            String rev = string(revision, "org.apache.felix.framework.BundleRevisionImpl", "m_id");
            Map<String, Object> owner = new LinkedHashMap<>();
            if (rev != null && rev.indexOf('.') > 0) {
                try {
                    owner.put("id", Long.parseLong(rev.substring(0, rev.indexOf('.'))));
                } catch (NumberFormatException e) {
                    // a revision id of another form: leave the bundle id out
                }
            }
            owner.put("symbolicName", string(revision, "org.apache.felix.framework.BundleRevisionImpl", "m_symbolicName"));
            owner.put("version", version(ref(revision, "org.apache.felix.framework.BundleRevisionImpl", "m_version")));
            owner.put("revision", rev);
            HeapField disposed = wiring.get("org.apache.felix.framework.BundleWiringImpl", "m_isDisposed");
            if (disposed != null && disposed.getValue().getAsBoolean() != null) {
                owner.put("disposed", disposed.getValue().getAsBoolean());
            }
            return owner;
        });
    }

    private static HeapInstance ref(HeapInstance instance, String cls, String field) {
        HeapField f = instance.get(cls, field);
        return f == null ? null : f.getValueAsInstance();
    }

    private static String string(HeapInstance instance, String cls, String field) {
        HeapField f = instance.get(cls, field);
        return f == null ? null : f.getValue().readAsJavaString();
    }

    private static String version(HeapInstance v) {
        if (v == null) {
            return null;
        }
        String cls = v.getInstanceClassName();
        StringBuilder s = new StringBuilder();
        for (String part : new String[] {"major", "minor", "micro"}) {
            HeapField f = v.get(cls, part);
            if (s.length() > 0) {
                s.append('.');
            }
            s.append(f == null || f.getValue().getAsInt() == null ? "?" : f.getValue().getAsInt());
        }
        String qualifier = string(v, cls, "qualifier");
        if (qualifier != null && !qualifier.isEmpty()) {
            s.append('.').append(qualifier);
        }
        return s.toString();
    }

    private String threadName(long threadId) {
        HeapObject o = graph.findObjectByIdOrNull(threadId);
        if (o instanceof HeapInstance) {
            HeapField name = ((HeapInstance) o).get("java.lang.Thread", "name");
            if (name != null) {
                String s = name.getValue().readAsJavaString();
                if (s != null) {
                    return s;
                }
            }
        }
        return "#" + threadId;
    }

    private static int rootRank(GcRoot root) {
        if (root instanceof GcRoot.ThreadObject) {
            return 0;
        }
        if (root instanceof GcRoot.StickyClass) {
            return 1;
        }
        if (root instanceof GcRoot.JavaFrame) {
            return 2;
        }
        if (root instanceof GcRoot.JniGlobal) {
            return 3;
        }
        return 4;
    }

    private String describeRoot(GcRoot root) {
        if (root instanceof GcRoot.ThreadObject) {
            return "thread '" + threadNames.getOrDefault(((GcRoot.ThreadObject) root).getThreadSerialNumber(), "?") + "'";
        }
        if (root instanceof GcRoot.JavaFrame) {
            GcRoot.JavaFrame f = (GcRoot.JavaFrame) root;
            return "local variable in frame " + f.getFrameNumber() + " of thread '"
                    + threadNames.getOrDefault(f.getThreadSerialNumber(), "?") + "'";
        }
        if (root instanceof GcRoot.JniLocal) {
            return "JNI local in thread '" + threadNames.getOrDefault(((GcRoot.JniLocal) root).getThreadSerialNumber(), "?") + "'";
        }
        if (root instanceof GcRoot.StickyClass) {
            return "system class";
        }
        if (root instanceof GcRoot.JniGlobal) {
            return "JNI global reference";
        }
        if (root instanceof GcRoot.MonitorUsed) {
            return "monitor in use";
        }
        if (root instanceof GcRoot.ThreadBlock) {
            return "thread block";
        }
        if (root instanceof GcRoot.NativeStack) {
            return "native stack";
        }
        return root.getClass().getSimpleName();
    }

    /** @return how people read the object: a class name, with the thread name for threads */
    String describe(HeapObject object) {
        if (object instanceof HeapClass) {
            return "class " + ((HeapClass) object).getName();
        }
        if (object instanceof HeapInstance) {
            HeapInstance instance = (HeapInstance) object;
            String name = instance.getInstanceClassName();
            if (instance.instanceOf("java.lang.Thread")) {
                return name + " '" + threadName(instance.getObjectId()) + "'";
            }
            return name;
        }
        if (object instanceof HeapObjectArray) {
            return ((HeapObjectArray) object).getArrayClassName();
        }
        if (object instanceof HeapObject.HeapPrimitiveArray) {
            return ((HeapObject.HeapPrimitiveArray) object).getArrayClassName();
        }
        return String.valueOf(object);
    }

    @Override
    public void close() throws Exception {
        graph.close();
    }
}
