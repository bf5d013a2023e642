"""The golden demos: realistic workflows kept working by the suite, run in the `demo` tenant."""
