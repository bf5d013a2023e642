"""The `hwe` command line: `hwe migrate` and `hwe up` (the development stack)."""
