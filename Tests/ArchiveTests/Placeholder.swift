// Tests for Archive.
