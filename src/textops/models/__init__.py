"""Models: scikit-learn candidates, the torch network, ONNX export, metrics."""
