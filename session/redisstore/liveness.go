package redisstore

import (
	"context"
	"math"
	"sync/atomic"
	"time"

	"github.com/redis/rueidis"
)

// read returns the values of the session key and the user key, and
// whether each exists: from the client-side cache while it is known to
// receive Redis's invalidations (see [Options.MaxStaleness]), otherwise
// from Redis without the cache, within MaxStaleness.
func (s *Store) read(ctx context.Context, sk, uk string) (keyVal string, keyFound bool, userVal string, userFound bool, err error) {
	if s.live.trusted() {
		if keyVal, keyFound, err = value(s.client.DoCache(ctx, s.client.B().Get().Key(sk).Cache(), s.cacheTTL)); err != nil {
			return
		}
		userVal, userFound, err = value(s.client.DoCache(ctx, s.client.B().Get().Key(uk).Cache(), s.cacheTTL))
		return
	}
	ctx, cancel := context.WithTimeout(ctx, s.maxStale)
	defer cancel()
	rs := s.client.DoMulti(ctx, s.client.B().Get().Key(sk).Build(), s.client.B().Get().Key(uk).Build())
	if keyVal, keyFound, err = value(rs[0]); err != nil {
		return
	}
	userVal, userFound, err = value(rs[1])
	return
}

// liveness tells whether the client-side cache may answer a check: it
// keeps, for every node the client knows, when the last PING that node
// answered was sent. A PONG comes back on the connection that carries
// the node's invalidations, after every invalidation Redis wrote on it
// before the PING, and rueidis applies an invalidation to the cache as
// soon as it reads it, before it reads the next reply. So once a PING
// sent at time T is answered, the cache of that connection holds no
// entry that a write made before T changed.
//
// It needs no goroutine of its own: a check that finds a node's last
// answered PING older than half of max starts one PING on that node, at
// most one at a time per node, each bounded by half of max.
type liveness struct {
	client rueidis.Client
	max    time.Duration // MaxStaleness
	base   time.Time     // origin of the times below, read on the monotonic clock

	nodes       atomic.Pointer[[]*node]
	refreshedAt atomic.Int64 // when nodes was last read from the client
	refreshing  atomic.Bool
}

// node is one Redis node the client talks to.
type node struct {
	addr    string
	client  rueidis.Client
	alive   atomic.Int64 // when the last PING it answered was sent
	pinging atomic.Bool
}

// never is the time of a node that has not answered any PING yet.
const never = math.MinInt64 / 2

func newLiveness(client rueidis.Client, maxStaleness time.Duration) *liveness {
	return &liveness{client: client, max: maxStaleness, base: time.Now()}
}

// now returns the time elapsed since l.base, on the monotonic clock.
func (l *liveness) now() int64 { return int64(time.Since(l.base)) }

// trusted reports whether every node of the client answered a PING sent
// at most max ago, so that the cache is known to hold every invalidation
// older than max. On the way it starts a PING on each node whose last
// answered PING is older than max/2, and reads the client's nodes again
// every max/2.
func (l *liveness) trusted() bool {
	now := l.now()
	nodes := l.nodes.Load()
	if nodes == nil {
		nodes = l.refresh(now)
	} else if now-l.refreshedAt.Load() > int64(l.max/2) && l.refreshing.CompareAndSwap(false, true) {
		go func() {
			defer l.refreshing.Store(false)
			l.refresh(now)
		}()
	}
	ok := len(*nodes) > 0
	for _, n := range *nodes {
		age := now - n.alive.Load()
		if age > int64(l.max/2) {
			l.ping(n)
		}
		if age > int64(l.max) {
			ok = false
		}
	}
	return ok
}

// refresh reads the client's nodes, keeping what it knows of those it
// knew already, and returns them. Of two first reads at once, the first
// one stored wins.
func (l *liveness) refresh(now int64) *[]*node {
	old := map[string]*node{}
	p := l.nodes.Load()
	if p != nil {
		for _, n := range *p {
			old[n.addr] = n
		}
	}
	var nodes []*node
	for addr, c := range l.client.Nodes() {
		n := old[addr]
		if n == nil {
			n = &node{addr: addr, client: c}
			n.alive.Store(never)
		}
		nodes = append(nodes, n)
	}
	if p == nil && !l.nodes.CompareAndSwap(nil, &nodes) {
		return l.nodes.Load()
	}
	l.nodes.Store(&nodes)
	l.refreshedAt.Store(now)
	return &nodes
}

// ping sends a PING to n, in the background, unless one is on its way,
// and records when it was sent once it is answered. The PING goes
// through the node's pipelined connection (ToPipe, even when the client
// disables auto-pipelining), the one that DoCache uses.
func (l *liveness) ping(n *node) {
	if n.pinging.Load() || !n.pinging.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer n.pinging.Store(false)
		sent := l.now()
		ctx, cancel := context.WithTimeout(context.Background(), l.max/2)
		defer cancel()
		if n.client.Do(ctx, n.client.B().Ping().Build().ToPipe()).Error() != nil {
			return
		}
		for {
			old := n.alive.Load()
			if old >= sent || n.alive.CompareAndSwap(old, sent) {
				return
			}
		}
	}()
}
