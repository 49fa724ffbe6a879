// Module Segmentation: see Docs/architecture.md. Sources are added as the module is built.
