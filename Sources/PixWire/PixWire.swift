// PixWire: see docs/ARCHITECTURE.md for this layer's role.
