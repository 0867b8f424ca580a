"""Staff: accounts, sign-in, sessions, who may do what, and the audit log."""
