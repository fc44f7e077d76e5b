package middleware_test

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// nodeDPoP is panva's npm package dpop (pinned in testdata/dpop), run
// live by node: an independent DPoP client. Proofs are time-bound, so
// they are made during the test, never stored.
type nodeDPoP struct {
	t   *testing.T
	in  io.Writer
	out *bufio.Scanner
}

// nodeProof is the answer of testdata/dpop/proof.mjs to one request.
type nodeProof struct {
	Alg        string            `json:"alg"`
	Proof      string            `json:"proof"`
	JWK        map[string]string `json:"jwk"`
	Thumbprint string            `json:"thumbprint"`
	Error      string            `json:"error"`
}

// startNodeDPoP starts testdata/dpop/proof.mjs, or skips the test when
// node or the package is missing; with CI=true it fails instead (.ci/run
// installs both). The process ends with the test.
func startNodeDPoP(t *testing.T) *nodeDPoP {
	t.Helper()
	missing := func(what string) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s (CI=true: the dpop cross-check is required; .ci/run installs it)", what)
		}
		t.Skip(what)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node is not installed")
	}
	dir := filepath.Join("testdata", "dpop")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "dpop", "package.json")); err != nil {
		missing("the npm package dpop is not installed: run npm ci in middleware/testdata/dpop")
	}
	cmd := exec.Command(node, "proof.mjs")
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start node: %v", err)
	}
	t.Cleanup(func() {
		in.Close() // proof.mjs ends at the end of its input
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	return &nodeDPoP{t: t, in: in, out: sc}
}

// proof asks dpop for a proof of its alg key (one key per alg, made at
// the first request) for htm and htu, with ath of accessToken and nonce
// when they are not "". It fails the test after 20 s without an answer.
func (n *nodeDPoP) proof(alg, htm, htu, accessToken, nonce string) nodeProof {
	n.t.Helper()
	line, err := json.Marshal(map[string]string{"alg": alg, "htm": htm, "htu": htu, "accessToken": accessToken, "nonce": nonce})
	if err != nil {
		n.t.Fatal(err)
	}
	if _, err := n.in.Write(append(line, '\n')); err != nil {
		n.t.Fatalf("write to node: %v", err)
	}
	got := make(chan bool, 1)
	go func() { got <- n.out.Scan() }()
	select {
	case ok := <-got:
		if !ok {
			n.t.Fatalf("node ended without an answer: %v", n.out.Err())
		}
	case <-time.After(20 * time.Second):
		n.t.Fatal("node did not answer within 20 s")
	}
	var p nodeProof
	if err := json.Unmarshal(n.out.Bytes(), &p); err != nil {
		n.t.Fatalf("node answered %q: %v", n.out.Bytes(), err)
	}
	if p.Error != "" || p.Proof == "" || p.Thumbprint == "" {
		n.t.Fatalf("dpop %s: got %+v, want a proof and a thumbprint", alg, p)
	}
	return p
}
