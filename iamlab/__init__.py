"""iamlab: learn AWS IAM by doing it."""
