"""The resource directory: support services for victims, social workers and partner associations."""
