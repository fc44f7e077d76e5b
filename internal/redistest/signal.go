package redistest

import (
	"os"
	"time"
)

// Kill kills the server with SIGKILL, as a crash would, and waits until
// it has exited. The kernel closes its connections. [Server.Restart]
// starts it again.
func (s *Server) Kill() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.proc
	if p == nil {
		return
	}
	s.proc = nil
	p.cmd.Process.Kill()
	select {
	case <-p.done:
	case <-time.After(stopTimeout):
		s.t.Errorf("redistest: redis-server on %s did not exit after SIGKILL", s.Addr)
	}
}

// Pause stops the server with SIGSTOP: its connections stay open and its
// port keeps accepting connections, but nothing is answered, as under a
// network partition that drops no connection. [Server.Resume] undoes it.
func (s *Server) Pause() { s.signal(sigStop) }

// Resume continues a server stopped by [Server.Pause].
func (s *Server) Resume() { s.signal(sigCont) }

func (s *Server) signal(sig os.Signal) {
	s.t.Helper()
	if sig == nil {
		s.t.Skip("redistest: this system has no signal to freeze a process")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		s.t.Fatalf("redistest: signal %v to redis-server on %s: not running", sig, s.Addr)
	}
	if err := s.proc.cmd.Process.Signal(sig); err != nil {
		s.t.Fatalf("redistest: signal %v to redis-server on %s: %v", sig, s.Addr, err)
	}
}
