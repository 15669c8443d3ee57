"""The static frontend, served from memory: compressed, versioned, cached."""
