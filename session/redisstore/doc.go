// Package redisstore is a [session.Store] on Redis, shared by every
// instance of a server, so that a logout on one instance is a logout on
// all of them:
//
//	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
//	store, err := redisstore.New(client, redisstore.Options{})
//	if err != nil { ... }
//	m, err := session.New(key, session.Options{Store: store})
//
// It works with any [redis.UniversalClient]: a single node
// ([redis.Client]), Sentinel ([redis.NewFailoverClient]) or Cluster
// ([redis.ClusterClient]). The store does not own the client; close it
// yourself.
//
// # Key layout
//
// Every key starts with [Options.Prefix] ("jwtsession:" by default):
//
//	<prefix>rev:<revocation key>   "<until, Unix ms>"
//	<prefix>user:<user id>         "<at, Unix ms>:<until, Unix ms>"
//
// The revocation key is [session.Claims.RevocationKey] ("sid:…", "jti:…"
// or "tok:…"); keys and user ids are used byte for byte. Both kinds of key
// are plain strings, written only by this package's Lua scripts.
//
// # Expiry
//
// Each key expires on its own at its until plus [Options.ClockSkew] (SET
// with PXAT), so the store never grows without bound and needs no sweep.
// The until is kept in the value as well and compared with the instance's
// clock on every check, so a revocation ends exactly at its until for the
// servers that verify tokens; the margin only keeps a key alive when the
// Redis server's clock runs ahead of theirs. Writes go through Lua scripts
// that read the current record first: a revocation is never shortened by a
// later, earlier-ending Revoke, and RevokeUser keeps the latest cutoff and
// the latest until. until is rounded up to the millisecond.
//
// # Round trips
//
// [Store.Revoked] costs one round trip. On a single node or Sentinel
// ([redis.Client]) it reads the session key and the user key with one
// MGET. In a Cluster (or a Ring) the two keys usually live in different
// hash slots, where an MGET or a two-key script would be refused
// (CROSSSLOT); there the two GETs go out as one pipeline, which go-redis
// splits by node and sends in parallel, so the check still waits for one
// round trip (to at most two nodes), not two in a row. Hash tags that
// would force both keys into one slot are not used by default: they would
// put every revocation of the deployment on one shard. A prefix with a
// hash tag, such as "{jwtsession}:", does exactly that, if you prefer it.
// Revoke and RevokeUser each run one script on one key: one round trip.
//
// # Consistency
//
// A revocation counts from the moment Revoke or RevokeUser returns nil:
//
//   - Single node: every later check, from any instance, sees it.
//   - Sentinel and Cluster: writes and reads go to the master of the key
//     (go-redis's default). Replication is asynchronous, so a revocation
//     acknowledged just before the master fails can be lost in the
//     failover. Reading from replicas (ReadOnly, RouteByLatency,
//     RouteRandomly) makes a revocation take effect late by the
//     replication lag; keep them off for this client.
//   - Persistence: Redis without RDB or AOF forgets every revocation when
//     it restarts, and logged-out tokens are accepted again until their
//     own exp. Use AOF (appendfsync everysec loses at most about a
//     second) or replication if that matters.
//   - [session.CacheNotRevoked] in front of the store adds its MaxAge to
//     how late a revocation can take effect on another instance.
//
// # Failures
//
// When Redis cannot be reached or does not answer in time (connection
// refused or lost, timeouts, ctx done, a closed client, and the replies
// LOADING, READONLY, MASTERDOWN, CLUSTERDOWN, TRYAGAIN, BUSY, NOREPLICAS
// and max clients), every method returns an error matching
// [session.ErrStoreUnavailable] (and so [session.ErrUnavailable]) that
// wraps the cause. [session.Manager.Verify] then fails closed with
// [session.ErrUnavailable], which the middleware answers with 503 and
// Retry-After. Other errors (WRONGTYPE, NOAUTH, NOPERM, OOM, a value this
// package did not write) mean Redis answered and refused; verification
// fails closed on them too. How long a check waits for an unreachable
// Redis is set by the client (DialTimeout, DialerRetries,
// DialerRetryTimeout, ReadTimeout, WriteTimeout, MaxRetries) and by the
// request's context; with go-redis's defaults a refused connection costs
// about half a second per command. For a check on every request, short
// timeouts and few retries fit better. See [session.FailOpen] to let
// requests through instead, and what that risks.
package redisstore
