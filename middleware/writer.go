package middleware

import (
	"bufio"
	"io"
	"net"
	"net/http"

	"github.com/jwtsession/jwtsession/session"
)

// renewWriter holds back the decision to add the renewed token until the
// status is known: at WriteHeader, the first Write, a flush, or the end of
// the handler.
type renewWriter struct {
	http.ResponseWriter
	a       *Auth
	r       *http.Request
	claims  *session.Claims
	cookie  *Cookie // the cookie the token came from, or nil
	decided bool
}

// decide adds the renewed token for a 2xx final status, once.
func (w *renewWriter) decide(status int) {
	if w.decided {
		return
	}
	w.decided = true
	if status >= 200 && status < 300 {
		w.a.addRenewedToken(w.ResponseWriter, w.r, w.claims, w.cookie)
	}
}

func (w *renewWriter) WriteHeader(status int) {
	// Informational responses (1xx other than 101) precede the final one.
	if status >= 200 || status == http.StatusSwitchingProtocols {
		w.decide(status)
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *renewWriter) Write(b []byte) (int, error) {
	w.decide(http.StatusOK)
	return w.ResponseWriter.Write(b)
}

// ReadFrom keeps io.Copy's fast paths (such as sendfile) available.
func (w *renewWriter) ReadFrom(src io.Reader) (int64, error) {
	w.decide(http.StatusOK)
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(src)
	}
	return io.Copy(writerOnly{w.ResponseWriter}, src)
}

// Flush implements http.Flusher.
func (w *renewWriter) Flush() { _ = w.FlushError() }

// FlushError is what [http.ResponseController.Flush] calls; it reports
// http.ErrNotSupported when the underlying writer cannot flush.
func (w *renewWriter) FlushError() error {
	w.decide(http.StatusOK)
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// Hijack implements http.Hijacker: a hijacked connection gets no header.
// After a failed hijack the handler still owns the response, so the
// decision stays open.
func (w *renewWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		w.decided = true
	}
	return conn, rw, err
}

// Unwrap lets [http.ResponseController] reach the underlying writer for
// deadlines and full duplex.
func (w *renewWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// writerOnly hides any ReadFrom method, so io.Copy does not recurse.
type writerOnly struct{ io.Writer }
