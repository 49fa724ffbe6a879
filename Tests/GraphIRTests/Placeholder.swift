// Tests for GraphIR.
