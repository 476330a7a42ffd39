package org.cardinal.detector.data;

import java.awt.Color;
import java.awt.Shape;
import java.awt.geom.AffineTransform;
import java.awt.geom.Area;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.util.List;
import java.util.Random;

/**
 * The object categories of the synthetic COCO dataset and the geometry that draws them.
 *
 * <p>Each category has a distinct outline and a base hue; instances jitter hue, saturation and
 * brightness so that colour alone is a strong but imperfect cue, and the distractor shapes
 * ({@link #distractor}) reuse the same hues with outlines that belong to no category.
 * Coordinates are image pixels, x to the right and y down.
 */
public final class SyntheticCocoShapes {

    /** One object category: COCO id (1-based), name and base hue in [0, 1). */
    public record Category(int id, String name, float hue) {}

    /** The categories in id order; ids are contiguous from 1, as COCO's ids need not be. */
    public static final List<Category> CATEGORIES = List.of(
            new Category(1, "circle", 0.00f),
            new Category(2, "square", 0.61f),
            new Category(3, "triangle", 0.33f),
            new Category(4, "star", 0.14f),
            new Category(5, "cross", 0.83f),
            new Category(6, "ring", 0.50f));

    private SyntheticCocoShapes() {}

    /**
     * The outline of one instance.
     *
     * @param category the category id (1..6)
     * @param cx centre x in pixels
     * @param cy centre y in pixels
     * @param size diameter of the circumscribed circle in pixels
     * @param angle rotation in radians (ignored for the rotation-invariant circle and ring)
     * @return the filled region of the instance
     */
    public static Shape outline(int category, double cx, double cy, double size, double angle) {
        double r = size / 2;
        Shape local;
        switch (category) {
            case 1 -> local = new Ellipse2D.Double(-r, -r, size, size);
            case 2 -> {
                double h = r * 0.72; // square inscribed-ish so rotation keeps it inside the circle
                local = new Rectangle2D.Double(-h, -h, 2 * h, 2 * h);
            }
            case 3 -> local = regularPolygon(3, r);
            case 4 -> local = star(5, r, r * 0.42);
            case 5 -> {
                double w = r * 0.34;
                Area a = new Area(new Rectangle2D.Double(-r * 0.92, -w, r * 1.84, 2 * w));
                a.add(new Area(new Rectangle2D.Double(-w, -r * 0.92, 2 * w, r * 1.84)));
                local = a;
            }
            case 6 -> {
                Area a = new Area(new Ellipse2D.Double(-r, -r, size, size));
                double ri = r * 0.55;
                a.subtract(new Area(new Ellipse2D.Double(-ri, -ri, 2 * ri, 2 * ri)));
                local = a;
            }
            default -> throw new IllegalArgumentException("unknown synthetic category id " + category);
        }
        AffineTransform t = new AffineTransform();
        t.translate(cx, cy);
        if (category != 1 && category != 6) {
            t.rotate(angle);
        }
        return t.createTransformedShape(local);
    }

    /**
     * A clutter shape that belongs to no category: hexagon, thin ellipse, rounded bar or a
     * seven-point star with a fat core, so that the detector has to learn outlines, not blobs.
     */
    public static Shape distractor(Random rnd, double cx, double cy, double size) {
        double r = size / 2;
        Shape local = switch (rnd.nextInt(4)) {
            case 0 -> regularPolygon(6, r);
            case 1 -> new Ellipse2D.Double(-r, -r * 0.35, size, r * 0.7);
            case 2 -> new java.awt.geom.RoundRectangle2D.Double(-r, -r * 0.18, size, r * 0.36, r * 0.3, r * 0.3);
            default -> star(7, r, r * 0.75);
        };
        AffineTransform t = new AffineTransform();
        t.translate(cx, cy);
        t.rotate(rnd.nextDouble() * Math.PI * 2);
        return t.createTransformedShape(local);
    }

    /** An instance colour: the category's hue jittered by up to 0.04, varied saturation/brightness. */
    public static Color instanceColor(Random rnd, float hue) {
        float h = hue + (float) (rnd.nextGaussian() * 0.02);
        float s = 0.55f + 0.45f * rnd.nextFloat();
        float b = 0.55f + 0.45f * rnd.nextFloat();
        return Color.getHSBColor(h, s, b);
    }

    private static Shape regularPolygon(int n, double r) {
        Path2D.Double p = new Path2D.Double();
        for (int i = 0; i < n; i++) {
            double a = -Math.PI / 2 + 2 * Math.PI * i / n;
            if (i == 0) {
                p.moveTo(r * Math.cos(a), r * Math.sin(a));
            } else {
                p.lineTo(r * Math.cos(a), r * Math.sin(a));
            }
        }
        p.closePath();
        return p;
    }

    private static Shape star(int points, double outer, double inner) {
        Path2D.Double p = new Path2D.Double();
        for (int i = 0; i < 2 * points; i++) {
            double rr = i % 2 == 0 ? outer : inner;
            double a = -Math.PI / 2 + Math.PI * i / points;
            if (i == 0) {
                p.moveTo(rr * Math.cos(a), rr * Math.sin(a));
            } else {
                p.lineTo(rr * Math.cos(a), rr * Math.sin(a));
            }
        }
        p.closePath();
        return p;
    }
}
