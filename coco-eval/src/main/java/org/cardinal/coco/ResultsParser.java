package org.cardinal.coco;

/**
 * A byte-level parser for COCO results files, the fast path of {@link CocoResults#read}.
 *
 * <p>gson's reader turns every number into a String before parsing it; at 500k detections
 * (3M numbers) that is most of the evaluation's time. This parser reads digits straight into
 * a long and converts with one exact IEEE operation (Clinger's fast path: a mantissa below
 * 2^53 times or divided by an exact power of ten up to 10^22 is correctly rounded), and falls
 * back to {@link Double#parseDouble} otherwise, so every number is the same double that
 * Python's {@code json} (correctly rounded) produces.
 *
 * <p>It returns {@code null} on anything it does not handle or that is wrong (escaped keys,
 * ids written as 1.0, a missing field, malformed JSON, a negative width); the caller then
 * re-reads the file with gson, which either accepts it or names the record at fault.
 */
final class ResultsParser {
    private static final double[] POW10 = new double[23];
    private static final long TWO_53 = 1L << 53;

    static {
        double v = 1;
        for (int i = 0; i < POW10.length; i++) {
            POW10[i] = v;
            v *= 10;
        }
    }

    private static final byte[] IMAGE_ID = ascii("image_id");
    private static final byte[] CATEGORY_ID = ascii("category_id");
    private static final byte[] BBOX = ascii("bbox");
    private static final byte[] SCORE = ascii("score");

    /** Thrown to abandon the fast path; carries no stack trace because it is control flow. */
    private static final class Unsupported extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unsupported() {
            super(null, null, false, false);
        }
    }

    private static final Unsupported UNSUPPORTED = new Unsupported();

    private final byte[] b;
    private final int n;
    private int p;
    private long lastLong;
    private boolean lastIntegral;

    private ResultsParser(byte[] bytes) {
        this.b = bytes;
        this.n = bytes.length;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** The detections, or null when gson should read the file instead. */
    static ResultColumns parse(byte[] bytes) {
        try {
            return new ResultsParser(bytes).results();
        } catch (Unsupported | IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
            return null;
        }
    }

    private ResultColumns results() {
        ResultColumns table = new ResultColumns(n / 80 + 16);
        ws();
        expect('[');
        ws();
        if (peek() == ']') {
            p++;
        } else {
            while (true) {
                record(table);
                ws();
                byte c = next();
                if (c == ']') {
                    break;
                }
                if (c != ',') {
                    throw UNSUPPORTED;
                }
                ws();
            }
        }
        ws();
        if (p != n) {
            throw UNSUPPORTED;
        }
        return table;
    }

    private void record(ResultColumns table) {
        expect('{');
        int seen = 0;
        long imageId = 0;
        int categoryId = 0;
        double x = 0;
        double y = 0;
        double w = 0;
        double h = 0;
        double score = 0;
        ws();
        if (peek() == '}') {
            throw UNSUPPORTED; // missing fields: let gson name them
        }
        while (true) {
            expect('"');
            int start = p;
            while (b[p] != '"') {
                if (b[p] == '\\') {
                    throw UNSUPPORTED;
                }
                p++;
            }
            int end = p++;
            ws();
            expect(':');
            ws();
            if (key(start, end, IMAGE_ID)) {
                number();
                if (!lastIntegral) {
                    throw UNSUPPORTED;
                }
                imageId = lastLong;
                seen |= 1;
            } else if (key(start, end, CATEGORY_ID)) {
                number();
                if (!lastIntegral || lastLong != (int) lastLong) {
                    throw UNSUPPORTED;
                }
                categoryId = (int) lastLong;
                seen |= 2;
            } else if (key(start, end, BBOX)) {
                expect('[');
                ws();
                x = number();
                commaWs();
                y = number();
                commaWs();
                w = number();
                commaWs();
                h = number();
                ws();
                expect(']');
                seen |= 4;
            } else if (key(start, end, SCORE)) {
                score = number();
                seen |= 8;
            } else {
                skipValue(0);
            }
            ws();
            byte c = next();
            if (c == '}') {
                break;
            }
            if (c != ',') {
                throw UNSUPPORTED;
            }
            ws();
        }
        if (seen != 15) {
            throw UNSUPPORTED;
        }
        table.add(imageId, categoryId, x, y, w, h, score);
    }

    private boolean key(int start, int end, byte[] k) {
        if (end - start != k.length) {
            return false;
        }
        for (int i = 0; i < k.length; i++) {
            if (b[start + i] != k[i]) {
                return false;
            }
        }
        return true;
    }

    private void commaWs() {
        ws();
        expect(',');
        ws();
    }

    private byte peek() {
        if (p >= n) {
            throw UNSUPPORTED;
        }
        return b[p];
    }

    private byte next() {
        if (p >= n) {
            throw UNSUPPORTED;
        }
        return b[p++];
    }

    private void expect(char c) {
        if (p >= n || b[p] != c) {
            throw UNSUPPORTED;
        }
        p++;
    }

    private void ws() {
        while (p < n) {
            byte c = b[p];
            if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
                p++;
            } else {
                return;
            }
        }
    }

    /** A JSON number; sets lastIntegral/lastLong when it has no fraction or exponent. */
    private double number() {
        int start = p;
        boolean negative = false;
        if (peek() == '-') {
            negative = true;
            p++;
        }
        long m = 0;
        int digits = 0; // significant digits held in m
        int exp10 = 0;
        boolean truncated = false;
        byte c = peek();
        if (c == '0') {
            p++;
        } else if (c >= '1' && c <= '9') {
            while (p < n && (c = b[p]) >= '0' && c <= '9') {
                if (digits < 18) {
                    m = m * 10 + (c - '0');
                    digits++;
                } else {
                    truncated = true;
                    exp10++;
                }
                p++;
            }
        } else {
            throw UNSUPPORTED;
        }
        boolean integral = true;
        if (p < n && b[p] == '.') {
            integral = false;
            p++;
            int fracStart = p;
            while (p < n && (c = b[p]) >= '0' && c <= '9') {
                if (digits < 18) {
                    m = m * 10 + (c - '0');
                    if (m != 0) {
                        digits++;
                    }
                    exp10--;
                } else {
                    truncated = true;
                }
                p++;
            }
            if (p == fracStart) {
                throw UNSUPPORTED;
            }
        }
        if (p < n && (b[p] == 'e' || b[p] == 'E')) {
            integral = false;
            p++;
            boolean expNegative = false;
            if (peek() == '+' || peek() == '-') {
                expNegative = b[p] == '-';
                p++;
            }
            int expStart = p;
            int e = 0;
            while (p < n && (c = b[p]) >= '0' && c <= '9') {
                if (p - expStart > 5) {
                    throw UNSUPPORTED;
                }
                e = e * 10 + (c - '0');
                p++;
            }
            if (p == expStart) {
                throw UNSUPPORTED;
            }
            exp10 += expNegative ? -e : e;
        }
        lastIntegral = integral && !truncated;
        lastLong = negative ? -m : m;
        if (!truncated) {
            if (m == 0) {
                return negative ? -0.0 : 0.0;
            }
            if (m < TWO_53 && exp10 >= -22 && exp10 <= 22) {
                double v = exp10 >= 0 ? m * POW10[exp10] : m / POW10[-exp10];
                return negative ? -v : v;
            }
        }
        return Double.parseDouble(new String(b, start, p - start, java.nio.charset.StandardCharsets.US_ASCII));
    }

    /** Skips any JSON value, checking its grammar so a malformed file is never taken for good. */
    private void skipValue(int depth) {
        if (depth > 64) {
            throw UNSUPPORTED;
        }
        byte c = peek();
        switch (c) {
            case '"':
                p++;
                skipStringBody();
                return;
            case '{':
                p++;
                ws();
                if (peek() == '}') {
                    p++;
                    return;
                }
                while (true) {
                    expect('"');
                    skipStringBody();
                    ws();
                    expect(':');
                    ws();
                    skipValue(depth + 1);
                    ws();
                    byte d = next();
                    if (d == '}') {
                        return;
                    }
                    if (d != ',') {
                        throw UNSUPPORTED;
                    }
                    ws();
                }
            case '[':
                p++;
                ws();
                if (peek() == ']') {
                    p++;
                    return;
                }
                while (true) {
                    skipValue(depth + 1);
                    ws();
                    byte d = next();
                    if (d == ']') {
                        return;
                    }
                    if (d != ',') {
                        throw UNSUPPORTED;
                    }
                    ws();
                }
            case 't':
                literal("true");
                return;
            case 'f':
                literal("false");
                return;
            case 'n':
                literal("null");
                return;
            default:
                number();
        }
    }

    private void literal(String word) {
        for (int i = 0; i < word.length(); i++) {
            expect(word.charAt(i));
        }
    }

    private void skipStringBody() {
        while (true) {
            byte c = next();
            if (c == '"') {
                return;
            }
            if (c == '\\') {
                byte e = next();
                if (e == 'u') {
                    for (int i = 0; i < 4; i++) {
                        byte h = next();
                        boolean hex = (h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F');
                        if (!hex) {
                            throw UNSUPPORTED;
                        }
                    }
                } else if ("\"\\/bfnrt".indexOf(e) < 0) {
                    throw UNSUPPORTED;
                }
            } else if (c >= 0 && c < 0x20) {
                throw UNSUPPORTED;
            }
        }
    }
}
