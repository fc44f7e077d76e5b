// Package redistest starts a real redis-server for tests, or a real
// Redis Cluster of three masters ([StartCluster]): on free loopback
// ports, in temporary directories, without persistence, and always
// stopped when the test ends.
//
// When redis-server (or, for a cluster, redis-cli) cannot be found (in
// PATH or /usr/bin), the test is skipped with a message that says so,
// unless the environment has CI=true: then a missing program fails the
// test, so CI never passes by skipping. .ci/run installs Debian's
// redis-server (which brings redis-cli) when it is missing.
package redistest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Bounds of the waits, in time and in attempts.
const (
	readyTimeout  = 15 * time.Second
	readyAttempts = 600
	stopTimeout   = 10 * time.Second
	startTries    = 3 // fresh ports tried when one is taken meanwhile
)

// Options configures [Start]. The zero value starts a single node.
type Options struct {
	// Cluster starts the server in cluster mode as a one-node cluster that
	// owns every hash slot. It still refuses multi-key commands whose keys
	// lie in different slots, like any Redis Cluster.
	Cluster bool
}

// Server is a redis-server process owned by one test.
type Server struct {
	// Addr is host:port on 127.0.0.1.
	Addr string

	t           testing.TB
	bin         string
	dir         string
	port        int
	clusterPort int  // the cluster bus port, in cluster mode
	member      bool // a node of a Cluster: no slots of its own at start
	opts        Options

	mu   sync.Mutex
	proc *process
}

type process struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	log  *syncBuffer
}

// Binary returns the path of redis-server. When there is none it skips
// the test with a clear message, or fails it when CI=true.
func Binary(t testing.TB) string {
	t.Helper()
	return lookup(t, "redis-server")
}

// lookup returns the path of the program name of Debian's redis-server
// or redis-tools, from PATH, /usr/bin or /usr/local/bin. When there is
// none it skips the test, or fails it when CI=true.
func lookup(t testing.TB, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, dir := range []string{"/usr/bin/", "/usr/local/bin/"} {
		if fi, err := os.Stat(dir + name); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return dir + name
		}
	}
	msg := name + " not found in PATH nor in /usr/bin: the tests against a real Redis cannot run (install Debian's redis-server, as bash .ci/run does)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + "; with CI=true this is a failure")
	}
	t.Skip(msg + "; skipping them")
	return ""
}

// Start starts a redis-server for t and stops it when t ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	return start(t, &Server{t: t, bin: Binary(t), dir: t.TempDir(), opts: opts})
}

// start finds free ports for s and starts it, or fails t.
func start(t testing.TB, s *Server) *Server {
	t.Helper()
	t.Cleanup(s.Stop)
	var err error
	for range startTries {
		if s.port, err = freePort(); err != nil {
			t.Fatalf("redistest: finding a free port: %v", err)
		}
		if s.opts.Cluster {
			if s.clusterPort, err = freePort(); err != nil {
				t.Fatalf("redistest: finding a free port: %v", err)
			}
		}
		s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
		if err = s.start(); err == nil {
			return s
		}
	}
	t.Fatalf("redistest: %v", err)
	return nil
}

// Stop stops the server and waits until it has exited. Stopping a
// stopped server does nothing.
func (s *Server) Stop() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.proc
	if p == nil {
		return
	}
	s.proc = nil
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		p.cmd.Process.Kill()
	}
	if sigCont != nil {
		p.cmd.Process.Signal(sigCont) // a paused server handles SIGTERM once resumed
	}
	select {
	case <-p.done:
		return
	case <-time.After(stopTimeout):
	}
	p.cmd.Process.Kill()
	select {
	case <-p.done:
	case <-time.After(stopTimeout):
		s.t.Errorf("redistest: redis-server on %s did not exit after SIGKILL", s.Addr)
	}
}

// Restart starts the server again on the same port after [Server.Stop].
// Its data is gone: the server keeps nothing on disk.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	var err error
	for range startTries {
		if err = s.start(); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond) // the port may be in TIME_WAIT
	}
	s.t.Fatalf("redistest: restart: %v", err)
}

// start runs redis-server on s.port and waits until it answers.
func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	args := []string{
		"--port", strconv.Itoa(s.port),
		"--bind", "127.0.0.1",
		"--save", "",
		"--appendonly", "no",
		"--dir", s.dir,
		"--daemonize", "no",
		"--logfile", "",
	}
	if s.opts.Cluster {
		args = append(args,
			"--cluster-enabled", "yes",
			"--cluster-config-file", "nodes-"+strconv.Itoa(s.port)+".conf",
			"--cluster-port", strconv.Itoa(s.clusterPort),
			"--cluster-announce-ip", "127.0.0.1",
		)
	}
	if s.member {
		// The masters that are up keep serving their slots while another
		// one is down.
		args = append(args, "--cluster-require-full-coverage", "no")
	}
	cmd := exec.Command(s.bin, args...)
	cmd.Dir = s.dir
	log := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = log, log
	setParentDeathSignal(cmd)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", s.bin, err)
	}
	p := &process{cmd: cmd, done: make(chan struct{}), log: log}
	go func() { cmd.Wait(); close(p.done) }()
	s.proc = p

	deadline := time.Now().Add(readyTimeout)
	for i := 0; ; i++ {
		select {
		case <-p.done:
			s.proc = nil
			return fmt.Errorf("redis-server on %s exited at start; its log:\n%s", s.Addr, log.String())
		default:
		}
		reply, err := Do(s.Addr, "PING")
		if err == nil && reply == "PONG" {
			break
		}
		if i >= readyAttempts || time.Now().After(deadline) {
			return fmt.Errorf("redis-server on %s not ready after %d attempts (last: %q, %v); its log:\n%s", s.Addr, i+1, reply, err, log.String())
		}
		time.Sleep(readyTimeout / readyAttempts)
	}
	if s.opts.Cluster && !s.member {
		return s.claimAllSlots(deadline)
	}
	return nil
}

// claimAllSlots makes the node a one-node cluster and waits for it to
// report itself healthy.
func (s *Server) claimAllSlots(deadline time.Time) error {
	// A restarted node reads its slots back from its cluster config file.
	info, err := Do(s.Addr, "CLUSTER", "INFO")
	if err != nil {
		return fmt.Errorf("CLUSTER INFO: %w", err)
	}
	if strings.Contains(info, "cluster_slots_assigned:16384") {
		return s.waitClusterOK(deadline)
	}
	if _, err := Do(s.Addr, "CLUSTER", "ADDSLOTSRANGE", "0", "16383"); err != nil {
		return fmt.Errorf("CLUSTER ADDSLOTSRANGE: %w", err)
	}
	return s.waitClusterOK(deadline)
}

// waitClusterOK waits until the node reports cluster_state:ok.
func (s *Server) waitClusterOK(deadline time.Time) error {
	for i := 0; ; i++ {
		info, err := Do(s.Addr, "CLUSTER", "INFO")
		if err == nil && strings.Contains(info, "cluster_state:ok") {
			return nil
		}
		if i >= readyAttempts || time.Now().After(deadline) {
			return fmt.Errorf("cluster on %s not ok after %d attempts: %q, %v", s.Addr, i+1, info, err)
		}
		time.Sleep(readyTimeout / readyAttempts)
	}
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
