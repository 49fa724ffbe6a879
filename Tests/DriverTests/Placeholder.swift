// Tests for Driver.
