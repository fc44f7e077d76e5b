package redistest

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// clusterSize is the number of masters of a [Cluster].
const clusterSize = 3

// Cluster is a Redis Cluster of three masters without replicas, each a
// [Server] of its own on loopback, owned by one test. Its nodes run with
// cluster-require-full-coverage off, so that the masters that are up keep
// serving their slots while another one is down.
type Cluster struct {
	// Nodes are the masters, in the order they were started.
	Nodes []*Server
}

// StartCluster starts three redis-server processes in cluster mode on
// free loopback ports, joins them with redis-cli --cluster create (no
// replicas, the hash slots split in three ranges), and waits until every
// node reports cluster_state:ok. Every node is stopped when t ends. A
// missing redis-server or redis-cli skips the test, or fails it when
// CI=true.
func StartCluster(t testing.TB) *Cluster {
	t.Helper()
	bin, cli := Binary(t), lookup(t, "redis-cli")
	c := &Cluster{}
	for range clusterSize {
		s := &Server{t: t, bin: bin, dir: t.TempDir(), opts: Options{Cluster: true}, member: true}
		c.Nodes = append(c.Nodes, start(t, s))
	}
	args := append([]string{"--cluster", "create"}, c.Addrs()...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, cli, args...)
	setParentDeathSignal(cmd)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("redistest: redis-cli %s: %v; its output:\n%s", strings.Join(args, " "), err, out)
	}
	deadline := time.Now().Add(readyTimeout)
	for _, n := range c.Nodes {
		if err := n.waitClusterOK(deadline); err != nil {
			t.Fatalf("redistest: %v", err)
		}
	}
	return c
}

// Addrs returns the addresses of the nodes, for a client's list of
// initial addresses.
func (c *Cluster) Addrs() []string {
	addrs := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		addrs[i] = n.Addr
	}
	return addrs
}

// Owners returns, for each key, the node that serves its hash slot, as
// the first node that answers says (CLUSTER KEYSLOT and CLUSTER NODES).
func (c *Cluster) Owners(keys ...string) ([]*Server, error) {
	var addr, nodes string
	var err error
	for _, n := range c.Nodes {
		if nodes, err = Do(n.Addr, "CLUSTER", "NODES"); err == nil {
			addr = n.Addr
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("redistest: CLUSTER NODES: %w", err)
	}
	ranges, err := c.slotRanges(nodes)
	if err != nil {
		return nil, err
	}
	owners := make([]*Server, len(keys))
	for i, key := range keys {
		reply, err := Do(addr, "CLUSTER", "KEYSLOT", key)
		if err != nil {
			return nil, fmt.Errorf("redistest: CLUSTER KEYSLOT: %w", err)
		}
		slot, err := strconv.Atoi(reply)
		if err != nil {
			return nil, fmt.Errorf("redistest: CLUSTER KEYSLOT: reply %q", reply)
		}
		for _, r := range ranges {
			if r.first <= slot && slot <= r.last {
				owners[i] = r.node
			}
		}
		if owners[i] == nil {
			return nil, fmt.Errorf("redistest: no node of the cluster serves slot %d of %q", slot, key)
		}
	}
	return owners, nil
}

// slotRange is a range of hash slots and the node that serves it.
type slotRange struct {
	first, last int
	node        *Server
}

// slotRanges reads the slot ranges of the masters from the reply of
// CLUSTER NODES: "<id> <ip:port@cport> <flags> <master> <ping> <pong>
// <epoch> <link> <slot or range>...". Slots being migrated ("[…]") are
// left out.
func (c *Cluster) slotRanges(nodes string) ([]slotRange, error) {
	var ranges []slotRange
	for _, line := range strings.Split(strings.TrimSpace(nodes), "\n") {
		f := strings.Fields(line)
		if len(f) < 8 || !strings.Contains(f[2], "master") {
			continue
		}
		addr, _, _ := strings.Cut(f[1], "@")
		var node *Server
		for _, n := range c.Nodes {
			if n.Addr == addr {
				node = n
			}
		}
		if node == nil {
			return nil, fmt.Errorf("redistest: CLUSTER NODES lists %s, not a node of this cluster", addr)
		}
		for _, r := range f[8:] {
			if strings.HasPrefix(r, "[") {
				continue
			}
			a, b, isRange := strings.Cut(r, "-")
			if !isRange {
				b = a
			}
			first, err1 := strconv.Atoi(a)
			last, err2 := strconv.Atoi(b)
			if err1 != nil || err2 != nil {
				return nil, fmt.Errorf("redistest: CLUSTER NODES: slot range %q", r)
			}
			ranges = append(ranges, slotRange{first, last, node})
		}
	}
	return ranges, nil
}
