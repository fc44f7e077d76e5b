// Package redisstore is a [session.Store] on Redis, shared by every
// instance of a server, so that a logout on one instance is a logout on
// all of them, with the reads of every check served from the process's
// memory:
//
//	client, err := rueidis.NewClient(rueidis.ClientOption{
//		InitAddress:      []string{"127.0.0.1:6379"}, // or every master of a Cluster
//		DisableRetry:     true,
//		Dialer:           net.Dialer{Timeout: time.Second, KeepAlive: 500 * time.Millisecond},
//		ConnWriteTimeout: time.Second, // with KeepAlive: a silent connection is dropped within 2 s
//	})
//	if err != nil { ... }
//	store, err := redisstore.New(client, redisstore.Options{})
//	if err != nil { ... }
//	m, err := session.New(key, session.Options{Store: store})
//
// It is built on [github.com/redis/rueidis] and works with its clients of
// a single node, of a Cluster (rueidis finds the cluster from any of its
// nodes and sends each key to its slot's master) and of Sentinel. The
// store does not own the client; close it yourself.
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
// # Client-side cache
//
// [Store.Revoked] reads the session key and the user key with two GETs
// through rueidis's server-assisted client-side caching (RESP3 CLIENT
// TRACKING, DoCache): what Redis answered, including that a key does not
// exist, is kept in the process, and Redis sends an invalidation on the
// same connection as soon as a tracked key changes, wherever the write
// came from. At steady state a check sends no command at all (about 1 µs
// on a 2-core machine; the only commands are the PINGs that keep the
// cache trusted, about two a second per node, see Consistency); a key
// missing from the cache costs one round trip to its node, so a check
// costs at most two, one after the other.
//
// Bounds:
//
//   - Time: an entry lives at most [Options.CacheTTL] (5 minutes by
//     default), and never longer than the key it mirrors (rueidis caps it
//     with the key's PTTL, which is the record's until plus the clock skew).
//   - Memory: rueidis bounds the cache of each connection by
//     ClientOption.CacheSizeEachConn (default 128 MiB, rueidis's
//     DefaultCacheBytes) and evicts the least recently used entries
//     beyond it. rueidis may open several connections per node
//     (ClientOption.PipelineMultiplex), each with its own cache. An entry is a key and a short value: about a hundred
//     bytes.
//   - Own writes: the revocations a store wrote itself are also kept
//     in the store until their until, and merged into every check's
//     answer, so that a revocation made through a store is seen by its
//     next check at once, whatever the timing of the invalidation. Their
//     memory is bounded by the revocations of this store that still run.
//
// Revoke and RevokeUser each run one script on one key (EVALSHA): one
// round trip. Hash tags that would force both keys of a check into one
// Cluster slot are not used by default: they would put every revocation
// of the deployment on one shard. A prefix with a hash tag, such as
// "{jwtsession}:", does exactly that, if you prefer it.
//
// # Consistency
//
// A revocation counts from the moment Revoke or RevokeUser returns nil:
//
//   - The store that wrote it: its next check sees it.
//   - Other stores (other instances): as soon as Redis's invalidation
//     reaches them, on loopback within milliseconds; until then a check
//     may still answer from its cache what Redis held a moment before.
//   - Connection loss: rueidis drops the cache of a connection when the
//     connection closes, so answers are never served from a cache that no
//     longer receives invalidations; checks then go to Redis again or
//     fail with [session.ErrStoreUnavailable]. In the short time before
//     the client notices that the connection is gone, a check may still
//     be answered from the cache. An orderly close (a server that stops,
//     CLIENT KILL) is seen at once; the client reconnects on the next
//     command and tracking starts again on the new connection.
//   - Silent partition (no close, no answer): the store bounds it
//     itself, whatever the client's options. It keeps, for every node of
//     the client (client.Nodes(): the one node of a single-node or
//     Sentinel client, every node of a Cluster), when the last PING that
//     node answered was sent. The PING goes on the node's pipelined
//     connection, the one that carries the invalidations of the cache;
//     Redis answers it after every invalidation it wrote there before,
//     and rueidis applies an invalidation as soon as it reads it, so a
//     PONG proves that the cache holds every invalidation older than
//     the PING. A check starts a PING on a node whose last answered PING
//     is older than half of [Options.MaxStaleness] (in the background,
//     at most one at a time per node, each bounded by that half: about
//     two PINGs a second per node under load, and no goroutine to
//     close). Once that of any node is older than MaxStaleness (2 s by
//     default), checks do not use the cache: they read both keys from
//     Redis (GET), waiting at most MaxStaleness (less if the request's
//     context says so), so that a silent Redis fails closed with
//     [session.ErrStoreUnavailable] and a live one answers. Besides,
//     rueidis's own background PING drops a silent connection, with its
//     cache: every Dialer.KeepAlive it looks whether the connection
//     received anything since it last looked, and when not it sends a
//     PING and drops the connection if no answer comes within
//     ClientOption.ConnWriteTimeout; that is at most 2 × KeepAlive +
//     ConnWriteTimeout after the last sign of life (12 s with rueidis's
//     defaults, 2 s with the options at the top). Cached answers
//     therefore stop at most min(MaxStaleness, 2 × KeepAlive +
//     ConnWriteTimeout) after the last sign of life. While any node is
//     silent, every check reads Redis; those whose keys live on other
//     nodes still answer, at the cost of a round trip. A check that
//     misses the cache while the node of its key is silent waits for
//     that node under the request's context and rueidis's timeouts.
//     On a Cluster, leave ClientOption.PipelineMultiplex at 0 (the
//     default): with several pipelined connections per node, a cached
//     key lives on the connection of its slot, and the PING proves only
//     the connection it took. A single-node or Sentinel client keeps the
//     cached reads and the PING on one connection whatever the option.
//   - Sentinel and Cluster: writes and reads go to the master of the key.
//     Replication is asynchronous, so a revocation acknowledged just
//     before the master fails can be lost in the failover. Do not send
//     this client's reads to replicas (ReplicaOnly, SendToReplicas): a
//     revocation would take effect late by the replication lag. While a
//     Cluster is down (CLUSTERDOWN), writes and the checks that miss the
//     cache fail with [session.ErrStoreUnavailable]; a check cached on a
//     connection that is still open is answered, as nothing can change
//     its keys meanwhile without an invalidation on that connection.
//     While one master is down or silent, only the checks and writes
//     whose keys live on it fail closed (a check reads two keys, which
//     may live on two masters); the other masters keep answering.
//   - Persistence: Redis without RDB or AOF forgets every revocation when
//     it restarts, and logged-out tokens are accepted again until their
//     own exp. Use AOF (appendfsync everysec loses at most about a
//     second) or replication if that matters.
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
// Redis is set by the client and by the request's context: rueidis
// retries a read on a network error until the context is done unless
// ClientOption.DisableRetry is set, and ClientOption.Dialer.Timeout
// bounds each dial. For a check on every request, set DisableRetry, or
// give requests a deadline. See [session.FailOpen] to let requests
// through instead, and what that risks.
package redisstore
