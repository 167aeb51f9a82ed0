"""The pet cam without a web framework: settings, the index, photos, the camera, the shutter, the probe, history, retention and tokens."""
