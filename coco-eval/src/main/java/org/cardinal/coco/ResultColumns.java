package org.cardinal.coco;

import java.util.Arrays;

/**
 * Detections as parallel primitive arrays (one object per detection would cost more than the
 * boxes themselves at 500k detections), in the order they were added: file order matters,
 * because pycocotools breaks score ties by it.
 */
final class ResultColumns {
    long[] imageId;
    int[] categoryId;
    double[] box; // 4 per detection: x, y, w, h
    double[] score;
    int size;

    ResultColumns(int capacity) {
        capacity = Math.max(capacity, 16);
        imageId = new long[capacity];
        categoryId = new int[capacity];
        box = new double[4 * capacity];
        score = new double[capacity];
    }

    /**
     * Appends one detection.
     *
     * @throws IllegalArgumentException on a negative or non-finite box size or a non-finite score
     */
    void add(long image, int category, double x, double y, double w, double h, double s) {
        CocoGroundTruth.checkBox(x, y, w, h);
        if (!Double.isFinite(s)) {
            throw new IllegalArgumentException("score " + s + " is not a finite number");
        }
        if (size == score.length) {
            grow(size * 2);
        }
        imageId[size] = image;
        categoryId[size] = category;
        int b = 4 * size;
        box[b] = x;
        box[b + 1] = y;
        box[b + 2] = w;
        box[b + 3] = h;
        score[size] = s;
        size++;
    }

    void addAll(ResultColumns other) {
        if (size + other.size > score.length) {
            grow(Math.max(size + other.size, size * 2));
        }
        System.arraycopy(other.imageId, 0, imageId, size, other.size);
        System.arraycopy(other.categoryId, 0, categoryId, size, other.size);
        System.arraycopy(other.box, 0, box, 4 * size, 4 * other.size);
        System.arraycopy(other.score, 0, score, size, other.size);
        size += other.size;
    }

    private void grow(int capacity) {
        imageId = Arrays.copyOf(imageId, capacity);
        categoryId = Arrays.copyOf(categoryId, capacity);
        box = Arrays.copyOf(box, 4 * capacity);
        score = Arrays.copyOf(score, capacity);
    }
}
