package dev.revisor.bench;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a minimal class file {@code public class NAME { public T0 f0; public T1 f1; ... }} (no methods, which the JVM
 * allows): enough for bnd to see which packages a class refers to and to compute Import-Package and uses:= from it,
 * without a compiler. Names are internal names ({@code a/b/C}).
 */
public final class ClassFile {
    private ClassFile() {
    }

    public static byte[] write(String name, List<String> fieldTypes) {
        Map<String, Integer> utf8 = new LinkedHashMap<>();
        List<byte[]> pool = new ArrayList<>();
        int[] next = {1};
        java.util.function.Function<String, Integer> u = s -> utf8.computeIfAbsent(s, k -> {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            try (DataOutputStream d = new DataOutputStream(b)) {
                d.writeByte(1);
                d.writeUTF(k);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            pool.add(b.toByteArray());
            return next[0]++;
        });
        java.util.function.Function<String, Integer> cls = s -> {
            int nameIndex = u.apply(s);
            pool.add(new byte[] {7, (byte) (nameIndex >> 8), (byte) nameIndex});
            return next[0]++;
        };
        int thisClass = cls.apply(name);
        int superClass = cls.apply("java/lang/Object");
        int[][] fields = new int[fieldTypes.size()][];
        for (int i = 0; i < fieldTypes.size(); i++) {
            fields[i] = new int[] {u.apply("f" + i), u.apply("L" + fieldTypes.get(i) + ";")};
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(0xCAFEBABE);
            out.writeShort(0);
            out.writeShort(52); // Java 8 class file: no StackMapTable needed, there is no code
            out.writeShort(next[0]);
            for (byte[] entry : pool) {
                out.write(entry);
            }
            out.writeShort(0x0021); // public super
            out.writeShort(thisClass);
            out.writeShort(superClass);
            out.writeShort(0); // interfaces
            out.writeShort(fields.length);
            for (int[] f : fields) {
                out.writeShort(0x0001); // public
                out.writeShort(f[0]);
                out.writeShort(f[1]);
                out.writeShort(0);
            }
            out.writeShort(0); // methods
            out.writeShort(0); // attributes
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
