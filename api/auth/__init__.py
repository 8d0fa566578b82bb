"""Personal tokens: signing in with a password for one, listing and revoking them."""
