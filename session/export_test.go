package session

// Extra returns the application claims of c, for tests.
func Extra(c *Claims) map[string]string { return c.extra }
