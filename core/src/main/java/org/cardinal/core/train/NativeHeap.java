package org.cardinal.core.train;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Structure;
import com.sun.jna.ptr.LongByReference;

/**
 * The C allocator that holds libtorch's CPU tensors (libtorch allocates them with {@code
 * posix_memalign}): glibc's malloc, or tcmalloc where the launchers preload it ({@code
 * tools/lib/memory-env}, {@code CARDINAL_MALLOC}).
 *
 * <p>{@link #usage()} tells the memory in use from the free memory the allocator keeps; {@link
 * #trim()} returns that free memory to the system.
 */
public final class NativeHeap {

    private static final NativeLibrary PROCESS = process();
    private static final Function TC_PROPERTY = function("MallocExtension_GetNumericProperty");
    private static final Function TC_RELEASE = function("MallocExtension_ReleaseFreeMemory");
    private static final Function MALLOC_TRIM = function("malloc_trim");
    private static final Function MALLINFO2 = function("mallinfo2");

    /**
     * Bytes of the C heap: allocated and in use, and freed but kept by the allocator (tcmalloc:
     * its free resident pages; glibc: its heap's free bytes, resident unless trimmed).
     */
    public record Usage(long inUse, long free) {}

    private NativeHeap() {}

    private static NativeLibrary process() {
        try {
            return NativeLibrary.getProcess();
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return null;
        }
    }

    private static Function function(String name) {
        try {
            return PROCESS == null ? null : PROCESS.getFunction(name);
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return null; // another allocator, or an older glibc
        }
    }

    /** @return "tcmalloc", "glibc", or "unknown" when the process has neither one's statistics */
    public static String allocator() {
        if (TC_PROPERTY != null) {
            return "tcmalloc";
        }
        return MALLINFO2 != null ? "glibc" : "unknown";
    }

    /**
     * Returns the allocator's free memory to the system (tcmalloc's {@code ReleaseFreeMemory},
     * glibc's {@code malloc_trim(0)}); a no-op under another allocator.
     *
     * @return whether an allocator was asked
     */
    public static boolean trim() {
        if (TC_RELEASE != null) {
            TC_RELEASE.invokeVoid(new Object[0]);
            return true;
        }
        if (MALLOC_TRIM != null) {
            MALLOC_TRIM.invokeInt(new Object[] {0L});
            return true;
        }
        return false;
    }

    /** @return the allocator's account of its memory now, or null under another allocator */
    public static Usage usage() {
        if (TC_PROPERTY != null) {
            long allocated = tcProperty("generic.current_allocated_bytes");
            long unmapped = tcProperty("tcmalloc.pageheap_unmapped_bytes");
            return new Usage(allocated, tcProperty("generic.heap_size") - unmapped - allocated);
        }
        if (MALLINFO2 != null) {
            MallInfo2 m = (MallInfo2) MALLINFO2.invoke(MallInfo2.class, new Object[0]);
            return new Usage(m.uordblks + m.hblkhd, m.fordblks);
        }
        return null;
    }

    private static long tcProperty(String name) {
        LongByReference value = new LongByReference();
        if (TC_PROPERTY.invokeInt(new Object[] {name, value}) == 0) {
            throw new IllegalStateException("tcmalloc has no property " + name);
        }
        return value.getValue();
    }

    /** glibc's {@code struct mallinfo2}, returned by value. */
    @Structure.FieldOrder({
        "arena",
        "ordblks",
        "smblks",
        "hblks",
        "hblkhd",
        "usmblks",
        "fsmblks",
        "uordblks",
        "fordblks",
        "keepcost"
    })
    public static class MallInfo2 extends Structure implements Structure.ByValue {
        public long arena;
        public long ordblks;
        public long smblks;
        public long hblks;
        public long hblkhd;
        public long usmblks;
        public long fsmblks;
        public long uordblks;
        public long fordblks;
        public long keepcost;
    }
}
