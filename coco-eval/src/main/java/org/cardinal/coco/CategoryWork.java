package org.cardinal.coco;

/** Scratch space of one category's evaluation, grown as images need. */
final class CategoryWork {
    final int capacity;
    final double[] score; // kept detections in concatenation order (image, then score rank)
    final int[] rank;
    final double[] area; // width * height, as pycocotools' loadRes sets it
    final boolean[] hasCandidate; // could match some ground truth at the lowest threshold
    final byte[] flags; // [area * T + t][detection]: MATCHED | IGNORED, for detections with candidates
    final long[] numRegularGt; // per area: pycocotools' npig
    int numKept;

    int[] dtIdx = new int[16];
    int[] tmp = new int[16];
    int[] dtOff = new int[16];
    double[] dtArea = new double[16];
    int[] candStart = new int[17];
    int[] cand = new int[16];
    int[] gtAnn = new int[16];
    int[] gtOff = new int[16];
    boolean[] gtCrowd = new boolean[16];
    boolean[] gtIgnored = new boolean[16];
    boolean[] gtMatched = new boolean[16];
    int[] ordered = new int[16];
    double[] ious = new double[256];

    CategoryWork(int capacity, int numA, int numT) {
        this.capacity = capacity;
        score = new double[capacity];
        rank = new int[capacity];
        area = new double[capacity];
        hasCandidate = new boolean[capacity];
        flags = new byte[numA * numT * capacity];
        numRegularGt = new long[numA];
    }

    void ensureDt(int n) {
        if (dtIdx.length < n) {
            dtIdx = new int[n];
            tmp = new int[n];
            dtOff = new int[n];
            dtArea = new double[n];
            candStart = new int[n + 1];
        }
    }

    void ensureGt(int n, int numT) {
        if (gtAnn.length < n || gtMatched.length < n * numT) {
            gtAnn = new int[n];
            gtOff = new int[n];
            gtCrowd = new boolean[n];
            gtIgnored = new boolean[n];
            ordered = new int[n];
            gtMatched = new boolean[n * numT];
        }
    }
}
