// Module Runtime: see Docs/architecture.md. Sources are added as the module is built.
