// Tests for DSL.
