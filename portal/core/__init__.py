"""The platform every domain stands on: configuration, the database and its transactions,
crypto and keys, security headers, languages, errors and health."""
