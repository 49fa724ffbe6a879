// Tests for NIfTI.
