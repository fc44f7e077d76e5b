package session

// Extra returns the application claims of c, for tests.
func Extra(c *Claims) map[string]string { return c.extra }

// StoreLen returns the number of records s holds, for tests.
func StoreLen(s *MemoryStore) int { return s.len() }
