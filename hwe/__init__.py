"""Highway Engine core: the library every service imports."""
