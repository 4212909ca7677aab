"""f2btune: make fail2ban fast and cheap enough for small machines and big floods."""

__version__ = "0.1.0"
__all__ = ["__version__"]
