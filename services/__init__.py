"""Highway Engine services: one deployable program per subpackage, each a thin main over `hwe`."""
