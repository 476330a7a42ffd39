/**
 * Weights in and out of DJL blocks by torchvision's parameter names: safetensors and PyTorch
 * {@code .pth} files (read by a whitelisting unpickler that executes nothing), NumPy arrays, and
 * the mapping between DJL parameter paths and torchvision state-dict names ({@code StateDicts}).
 */
package org.cardinal.backbone.weights;
