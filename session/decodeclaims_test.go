package session_test

import (
	"strings"
	"testing"

	"github.com/jwtsession/jwtsession/session"
)

func TestClaimsDecode(t *testing.T) {
	m := newManager(t, newSecret(t), newClock(t0), session.Options{})
	type app struct {
		Role  string         `json:"role"`
		Level int            `json:"level"`
		Meta  map[string]any `json:"meta"`
		Exp   int64          `json:"exp"` // a registered claim: never in the object
	}
	tests := []struct {
		name    string
		extra   map[string]any
		want    app
		wantErr string
	}{
		{name: "none", want: app{}},
		{name: "one", extra: map[string]any{"role": "admin"}, want: app{Role: "admin"}},
		{name: "several", extra: map[string]any{"role": "ops", "level": 3, "other": true}, want: app{Role: "ops", Level: 3}},
		{name: "wrong type", extra: map[string]any{"level": "high"}, wantErr: "session: decode the application claims"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustVerify(t, m, issue(t, m, "u", tt.extra).Value)
			var got app
			err := c.Decode(&got)
			switch {
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
				}
			case err != nil:
				t.Fatalf("Decode: %v", err)
			case got.Role != tt.want.Role || got.Level != tt.want.Level || got.Exp != 0:
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
	t.Run("nested values and a copy", func(t *testing.T) {
		c := mustVerify(t, m, issue(t, m, "u", map[string]any{"meta": map[string]any{"a": []int{1, 2}}}).Value)
		var got app
		if err := c.Decode(&got); err != nil {
			t.Fatal(err)
		}
		got.Meta["a"] = "changed"
		var again app
		if err := c.Decode(&again); err != nil {
			t.Fatal(err)
		}
		if s, ok := again.Meta["a"].([]any); !ok || len(s) != 2 {
			t.Fatalf("got meta %v after changing a decoded copy, want [1 2]", again.Meta)
		}
	})
	t.Run("not a pointer", func(t *testing.T) {
		c := mustVerify(t, m, issue(t, m, "u", nil).Value)
		if err := c.Decode(app{}); err == nil {
			t.Fatal("Decode into a struct value: got no error, want one")
		}
	})
}
