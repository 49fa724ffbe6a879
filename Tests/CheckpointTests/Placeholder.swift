// Tests for Checkpoint.
