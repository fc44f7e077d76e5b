package redistest_test

import (
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/internal/redistest"
)

func TestServer(t *testing.T) {
	tests := []struct {
		name string
		opts redistest.Options
	}{
		{name: "single node"},
		{name: "one-node cluster", opts: redistest.Options{Cluster: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := redistest.Start(t, tt.opts)
			if !strings.HasPrefix(s.Addr, "127.0.0.1:") {
				t.Fatalf("Addr: got %q, want a 127.0.0.1 address", s.Addr)
			}
			if got, err := redistest.Do(s.Addr, "SET", "k", "v"); err != nil || got != "OK" {
				t.Fatalf("SET: got (%q, %v), want OK", got, err)
			}
			s.Stop()
			if _, err := redistest.Do(s.Addr, "PING"); err == nil {
				t.Fatal("PING after Stop: got an answer, want none")
			}
			s.Stop() // twice is fine
			s.Restart()
			if got, err := redistest.Do(s.Addr, "GET", "k"); err != nil || got != "" {
				t.Fatalf("GET after Restart: got (%q, %v), want the key gone (no persistence)", got, err)
			}
		})
	}
}

func TestCluster(t *testing.T) {
	c := redistest.StartCluster(t)
	if len(c.Nodes) != 3 {
		t.Fatalf("got %d nodes, want 3", len(c.Nodes))
	}
	for _, n := range c.Nodes {
		info, err := redistest.Do(n.Addr, "CLUSTER", "INFO")
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"cluster_state:ok", "cluster_slots_assigned:16384", "cluster_known_nodes:3", "cluster_size:3"} {
			if !strings.Contains(info, want) {
				t.Errorf("%s: CLUSTER INFO has no %q:\n%s", n.Addr, want, info)
			}
		}
	}
	keys := make([]string, 30)
	for i := range keys {
		keys[i] = "key" + strconv.Itoa(i)
	}
	owners, err := c.Owners(keys...)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[*redistest.Server]bool{}
	for i, key := range keys {
		seen[owners[i]] = true
		if got, err := redistest.Do(owners[i].Addr, "SET", key, "v"); err != nil || got != "OK" {
			t.Fatalf("SET %s on its owner %s: got (%q, %v), want OK", key, owners[i].Addr, got, err)
		}
		for _, n := range c.Nodes {
			if n == owners[i] {
				continue
			}
			if _, err := redistest.Do(n.Addr, "GET", key); err == nil || !strings.Contains(err.Error(), "MOVED") {
				t.Errorf("GET %s on %s, not its owner: got %v, want MOVED", key, n.Addr, err)
			}
		}
	}
	if len(seen) != 3 {
		t.Errorf("%d keys landed on %d nodes, want all 3", len(keys), len(seen))
	}

	// Pause: the port accepts connections, nothing answers.
	n := c.Nodes[0]
	n.Pause()
	conn, err := net.DialTimeout("tcp", n.Addr, time.Second)
	if err != nil {
		t.Fatalf("dial a paused node: %v", err)
	}
	conn.SetDeadline(time.Now().Add(200 * time.Millisecond))
	conn.Write([]byte("PING\r\n"))
	if _, err := conn.Read(make([]byte, 16)); err == nil {
		t.Error("PING to a paused node: got an answer, want none")
	}
	conn.Close()
	n.Resume()
	if got, err := redistest.Do(n.Addr, "PING"); err != nil || got != "PONG" {
		t.Fatalf("PING after Resume: got (%q, %v), want PONG", got, err)
	}

	// Kill: the node is gone, the others keep serving their slots.
	n.Kill()
	if _, err := redistest.Do(n.Addr, "PING"); err == nil {
		t.Fatal("PING after Kill: got an answer, want none")
	}
	for i, key := range keys {
		if owners[i] == n {
			continue
		}
		if got, err := redistest.Do(owners[i].Addr, "GET", key); err != nil || got != "v" {
			t.Errorf("GET %s on %s with another master down: got (%q, %v), want v", key, owners[i].Addr, got, err)
		}
	}
}
