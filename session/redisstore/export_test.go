package redisstore

import "time"

// MaxStalenessOf returns the MaxStaleness that s applies.
func MaxStalenessOf(s *Store) time.Duration { return s.maxStale }
