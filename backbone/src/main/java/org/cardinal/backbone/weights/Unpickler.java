package org.cardinal.backbone.weights;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A pickle virtual machine that builds plain Java values and never runs code of the file's
 * choosing. Python's pickle executes whatever callable a GLOBAL names; here every GLOBAL goes
 * through a {@link Resolver} which returns a Java stand-in from its allowlist or refuses, so a
 * hostile {@code os.system} payload fails at the GLOBAL opcode before anything could be called.
 *
 * <p>Values: None -> null, bool -> Boolean, int -> Long (BigInteger when wider), float -> Double,
 * str -> String, bytes -> byte[], tuple -> {@link Tuple}, list -> ArrayList, dict -> LinkedHashMap.
 * Supports protocols 0 to 5 for everything a tensor state_dict or a training checkpoint of plain
 * containers needs.
 */
final class Unpickler {

    /** Supplies the allowed globals and resolves persistent ids (PyTorch's storages). */
    interface Resolver {
        /** Returns a stand-in for {@code module.name} or throws naming the refused global. */
        Object global(String module, String name) throws WeightsFormatException;

        /** Resolves a persistent id (BINPERSID/PERSID). */
        Object persistentLoad(Object pid) throws WeightsFormatException;
    }

    /** A stand-in for an allowed Python callable: REDUCE and NEWOBJ call it with the args tuple. */
    @FunctionalInterface
    interface PyCallable {
        Object call(Tuple args) throws WeightsFormatException;
    }

    /** Objects that accept pickle's BUILD (set state); others refuse it. */
    interface Buildable {
        void build(Object state) throws WeightsFormatException;
    }

    /** An immutable Python tuple (may contain null for None). */
    record Tuple(List<Object> items) {
        Tuple {
            items = Collections.unmodifiableList(new ArrayList<>(items));
        }

        int size() {
            return items.size();
        }

        Object get(int i) {
            return items.get(i);
        }
    }

    /** An ordered dict from {@code collections.OrderedDict}; BUILD state (e.g. _metadata) is dropped. */
    static final class PyDict extends LinkedHashMap<Object, Object> implements Buildable {
        private static final long serialVersionUID = 1L;

        @Override
        public void build(Object state) {
            // torch attaches state_dict()._metadata (module versions) here; weights do not need it.
        }
    }

    private static final Object MARK = new Object() {
        @Override
        public String toString() {
            return "MARK";
        }
    };
    private static final int MAX_DEPTH = 1 << 20;
    /** What the budget counts for each opcode run: the largest Java object one opcode creates. */
    static final int OPCODE_COST = 64;

    private final byte[] code;
    private final Path file;
    private final Resolver resolver;
    private final String what;
    private final ReadBudget budget;
    private int pos;
    private final ArrayList<Object> stack = new ArrayList<>();
    private final ArrayList<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();

    private Unpickler(byte[] code, Path file, String what, Resolver resolver, ReadBudget budget) {
        this.code = code;
        this.file = file;
        this.what = what;
        this.resolver = resolver;
        this.budget = budget;
    }

    /** Runs the pickle in {@code code} with the default budget for a file of its length. */
    static Object load(byte[] code, Path file, String what, Resolver resolver) throws WeightsFormatException {
        return load(code, file, what, resolver, ReadBudget.forFile(file, code.length, 0));
    }

    /**
     * Runs the pickle in {@code code} (named {@code what} in errors, e.g. "archive/data.pkl"),
     * counting {@value #OPCODE_COST} bytes per opcode and three bytes per byte of every string or
     * bytes value against {@code budget}.
     */
    static Object load(byte[] code, Path file, String what, Resolver resolver, ReadBudget budget)
            throws WeightsFormatException {
        Unpickler u = new Unpickler(code, file, what, resolver, budget);
        try {
            return u.run();
        } catch (ArithmeticException | IllegalArgumentException | IndexOutOfBoundsException | ClassCastException e) {
            // A corrupt program reached a check of the value layer (e.g. an absurd tensor shape).
            throw u.error("malformed pickle (" + e + ")");
        }
    }

    private WeightsFormatException error(String msg) {
        return new WeightsFormatException(file, what + " at byte " + pos + ": " + msg);
    }

    private Object run() throws WeightsFormatException {
        while (true) {
            int op = u8();
            int at = pos - 1;
            budget.charge(OPCODE_COST, () -> what + " (opcode at byte " + at + ")");
            switch (op) {
                case 0x80 -> { // PROTO
                    int proto = u8();
                    if (proto > 5) {
                        throw error("unsupported pickle protocol " + proto);
                    }
                }
                case 0x95 -> skip(8); // FRAME: length only, the frame content follows inline
                case '.' -> { // STOP
                    if (stack.size() != 1 || !marks.isEmpty()) {
                        throw error("malformed pickle: " + stack.size() + " values left on the stack at STOP");
                    }
                    return stack.get(0);
                }
                case '(' -> marks.add(stack.size()); // MARK
                case '0' -> pop(); // POP
                case '1' -> popMark(); // POP_MARK
                case '2' -> push(peek()); // DUP
                case 'N' -> push(null); // NONE
                case 0x88 -> push(Boolean.TRUE); // NEWTRUE
                case 0x89 -> push(Boolean.FALSE); // NEWFALSE
                case 'K' -> push((long) u8()); // BININT1
                case 'M' -> push((long) (u8() | (u8() << 8))); // BININT2
                case 'J' -> push((long) le(4).getInt()); // BININT
                case 0x8a -> push(longFromBytes(bytes(u8()))); // LONG1
                case 0x8b -> push(longFromBytes(bytes(len(le(4).getInt())))); // LONG4
                case 'I' -> push(parseIntLine(line())); // INT
                case 'L' -> push(parseLongLine(line())); // LONG
                case 'F' -> push(parseFloatLine(line())); // FLOAT
                case 'G' ->
                    push(ByteBuffer.wrap(bytes(8)).order(ByteOrder.BIG_ENDIAN).getDouble()); // BINFLOAT
                case 'X' -> push(utf8(bytes(len(le(4).getInt())))); // BINUNICODE
                case 0x8c -> push(utf8(bytes(u8()))); // SHORT_BINUNICODE
                case 0x8d -> push(utf8(bytes(len(le(8).getLong())))); // BINUNICODE8
                case 'V' -> push(line()); // UNICODE (raw-unicode-escape; ASCII covers state dict keys)
                case 'T' -> push(latin1(bytes(len(le(4).getInt())))); // BINSTRING
                case 'U' -> push(latin1(bytes(u8()))); // SHORT_BINSTRING
                case 'S' -> push(parseStringLine(line())); // STRING
                case 'B' -> push(bytes(len(le(4).getInt()))); // BINBYTES
                case 'C' -> push(bytes(u8())); // SHORT_BINBYTES
                case 0x8e -> push(bytes(len(le(8).getLong()))); // BINBYTES8
                case 0x96 -> push(bytes(len(le(8).getLong()))); // BYTEARRAY8
                case ')' -> push(new Tuple(List.of())); // EMPTY_TUPLE
                case 't' -> push(new Tuple(popMark())); // TUPLE
                case 0x85 -> push(tuple(pop())); // TUPLE1
                case 0x86 -> { // TUPLE2
                    Object b = pop();
                    Object a = pop();
                    push(tuple(a, b));
                }
                case 0x87 -> { // TUPLE3
                    Object c = pop();
                    Object b = pop();
                    Object a = pop();
                    push(tuple(a, b, c));
                }
                case ']' -> push(new ArrayList<>()); // EMPTY_LIST
                case 'l' -> push(new ArrayList<>(popMark())); // LIST
                case 'a' -> { // APPEND
                    Object v = pop();
                    asList(peek()).add(v);
                }
                case 'e' -> { // APPENDS
                    List<Object> items = popMark();
                    asList(peek()).addAll(items);
                }
                case '}' -> push(new LinkedHashMap<>()); // EMPTY_DICT
                case 'd' -> { // DICT
                    List<Object> items = popMark();
                    Map<Object, Object> m = new LinkedHashMap<>();
                    putPairs(m, items);
                    push(m);
                }
                case 's' -> { // SETITEM
                    Object v = pop();
                    Object k = pop();
                    asMap(peek()).put(key(k), v);
                }
                case 'u' -> { // SETITEMS
                    List<Object> items = popMark();
                    putPairs(asMap(peek()), items);
                }
                case 0x8f -> push(new ArrayList<>()); // EMPTY_SET (kept as a list; sets never hold tensors)
                case 0x90 -> { // ADDITEMS
                    List<Object> items = popMark();
                    asList(peek()).addAll(items);
                }
                case 0x91 -> push(new ArrayList<>(popMark())); // FROZENSET
                case 'p' -> memo.put(parseLongLine(line()).longValue(), peek()); // PUT
                case 'q' -> memo.put((long) u8(), peek()); // BINPUT
                case 'r' -> memo.put(le(4).getInt() & 0xffffffffL, peek()); // LONG_BINPUT
                case 0x94 -> memo.put((long) memo.size(), peek()); // MEMOIZE
                case 'g' -> push(memoGet(parseLongLine(line()).longValue())); // GET
                case 'h' -> push(memoGet(u8())); // BINGET
                case 'j' -> push(memoGet(le(4).getInt() & 0xffffffffL)); // LONG_BINGET
                case 'c' -> { // GLOBAL "module\nname\n"
                    String module = line();
                    String name = line();
                    push(resolver.global(module, name));
                }
                case 0x93 -> { // STACK_GLOBAL
                    Object name = pop();
                    Object module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n)) {
                        throw error("STACK_GLOBAL needs two strings");
                    }
                    push(resolver.global(m, n));
                }
                case 'Q' -> push(resolver.persistentLoad(pop())); // BINPERSID
                case 'P' -> push(resolver.persistentLoad(line())); // PERSID
                case 'R', 0x81 -> { // REDUCE, NEWOBJ: callable(*args) on allowlisted stand-ins only
                    Object args = pop();
                    Object fn = pop();
                    push(call(fn, args));
                }
                case 'b' -> { // BUILD
                    Object state = pop();
                    Object obj = peek();
                    if (obj instanceof Buildable b) {
                        b.build(state);
                    } else {
                        throw error("BUILD on a " + PickleValues.typeName(obj) + " is not allowed in a state dict");
                    }
                }
                default ->
                    throw error(String.format("pickle opcode 0x%02x is not supported in a tensor state dict", op));
            }
        }
    }

    private Object call(Object fn, Object args) throws WeightsFormatException {
        if (!(fn instanceof PyCallable c)) {
            throw error("cannot call a " + PickleValues.typeName(fn) + " (only allowlisted functions may be called)");
        }
        if (!(args instanceof Tuple t)) {
            throw error("call arguments must be a tuple, got " + PickleValues.typeName(args));
        }
        return c.call(t);
    }

    private static Tuple tuple(Object... items) {
        List<Object> l = new ArrayList<>(items.length);
        Collections.addAll(l, items);
        return new Tuple(l);
    }

    private void putPairs(Map<Object, Object> m, List<Object> items) throws WeightsFormatException {
        if (items.size() % 2 != 0) {
            throw error("odd number of items for a dict");
        }
        for (int i = 0; i < items.size(); i += 2) {
            m.put(key(items.get(i)), items.get(i + 1));
        }
    }

    private Object key(Object k) throws WeightsFormatException {
        String why = PickleValues.unhashable(k);
        if (why != null) {
            throw error(why);
        }
        return k;
    }

    @SuppressWarnings("unchecked")
    private List<Object> asList(Object o) throws WeightsFormatException {
        if (o instanceof List<?> l && !(o instanceof Tuple)) {
            return (List<Object>) l;
        }
        throw error("expected a list on the stack, found " + PickleValues.typeName(o));
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> asMap(Object o) throws WeightsFormatException {
        if (o instanceof Map<?, ?> m) {
            return (Map<Object, Object>) m;
        }
        throw error("expected a dict on the stack, found " + PickleValues.typeName(o));
    }

    private Object memoGet(long idx) throws WeightsFormatException {
        if (!memo.containsKey(idx)) {
            throw error("memo key " + idx + " was never stored");
        }
        return memo.get(idx);
    }

    private void push(Object o) throws WeightsFormatException {
        if (stack.size() >= MAX_DEPTH) {
            throw error("pickle stack deeper than " + MAX_DEPTH);
        }
        stack.add(o);
    }

    private Object pop() throws WeightsFormatException {
        int floor = marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
        if (stack.size() <= floor) {
            throw error("stack underflow");
        }
        return stack.remove(stack.size() - 1);
    }

    private Object peek() throws WeightsFormatException {
        int floor = marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
        if (stack.size() <= floor) {
            throw error("stack underflow");
        }
        return stack.get(stack.size() - 1);
    }

    private List<Object> popMark() throws WeightsFormatException {
        if (marks.isEmpty()) {
            throw error("no MARK on the stack");
        }
        int m = marks.remove(marks.size() - 1);
        List<Object> sub = new ArrayList<>(stack.subList(m, stack.size()));
        stack.subList(m, stack.size()).clear();
        return sub;
    }

    private int u8() throws WeightsFormatException {
        if (pos >= code.length) {
            throw error("unexpected end of pickle (truncated file?)");
        }
        return code[pos++] & 0xff;
    }

    private void skip(int n) throws WeightsFormatException {
        bytes(n);
    }

    private int len(long n) throws WeightsFormatException {
        if (n < 0 || n > code.length - pos) {
            throw error("length " + n + " runs past the end of the pickle (truncated file?)");
        }
        return (int) n;
    }

    private byte[] bytes(int n) throws WeightsFormatException {
        if (n < 0 || n > code.length - pos) {
            throw error("unexpected end of pickle (truncated file?)");
        }
        int at = pos;
        budget.charge(3L * n, () -> what + " (a value of " + n + " bytes at byte " + at + ")");
        byte[] b = new byte[n];
        System.arraycopy(code, pos, b, 0, n);
        pos += n;
        return b;
    }

    private ByteBuffer le(int n) throws WeightsFormatException {
        return ByteBuffer.wrap(bytes(n)).order(ByteOrder.LITTLE_ENDIAN);
    }

    private String line() throws WeightsFormatException {
        int start = pos;
        while (pos < code.length && code[pos] != '\n') {
            pos++;
        }
        if (pos >= code.length) {
            throw error("unterminated text argument (truncated file?)");
        }
        int len = pos - start;
        budget.charge(3L * len, () -> what + " (a text argument of " + len + " bytes at byte " + start + ")");
        String s = new String(code, start, pos - start, StandardCharsets.UTF_8);
        pos++;
        return s;
    }

    private static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private static String latin1(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    private static Object longFromBytes(byte[] b) {
        if (b.length == 0) {
            return 0L;
        }
        byte[] be = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            be[i] = b[b.length - 1 - i];
        }
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private Object parseIntLine(String s) throws WeightsFormatException {
        if (s.equals("00")) {
            return Boolean.FALSE;
        }
        if (s.equals("01")) {
            return Boolean.TRUE;
        }
        return parseLongLine(s);
    }

    private Long parseLongLine(String s) throws WeightsFormatException {
        String t = s.endsWith("L") ? s.substring(0, s.length() - 1) : s;
        try {
            return Long.parseLong(t.trim());
        } catch (NumberFormatException e) {
            throw error("malformed integer '" + s + "'");
        }
    }

    private Double parseFloatLine(String s) throws WeightsFormatException {
        try {
            return Double.parseDouble(s.trim());
        } catch (NumberFormatException e) {
            throw error("malformed float '" + s + "'");
        }
    }

    private String parseStringLine(String s) throws WeightsFormatException {
        if (s.length() >= 2 && (s.charAt(0) == '\'' || s.charAt(0) == '"') && s.charAt(s.length() - 1) == s.charAt(0)) {
            return s.substring(1, s.length() - 1);
        }
        throw error("malformed STRING argument");
    }
}
