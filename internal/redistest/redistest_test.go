package redistest_test

import (
	"strings"
	"testing"

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
