// Tests for Interpreter.
