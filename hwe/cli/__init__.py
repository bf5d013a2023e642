"""The `hwe` command line: `migrate` and `up` (the development stack) work on the database; `submit`,
`status`, `list`, `tenants` and `keys` are clients of the REST API (docs/cli.md)."""
