// Temporary: replaced by the AOT tests.
