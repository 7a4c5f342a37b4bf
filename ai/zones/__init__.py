"""Zone geometry and configuration (pure), and later the zone engine."""
