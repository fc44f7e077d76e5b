package middleware

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/jwtsession/jwtsession/session"
)

// Error describes a failed authentication or authorization check. It is
// what an [ErrorHandler] receives. Status, Code and Description are fixed
// strings safe to send to the client; Err is the cause, for logs only.
type Error struct {
	// Status is the HTTP status: 400, 401, 403 or 503.
	Status int
	// Code is the RFC 6750 error code: "invalid_request", "invalid_token",
	// "insufficient_scope", or "" when the request carried no credentials.
	// A 503 has "temporarily_unavailable".
	Code string
	// Description is a short fixed text for error_description.
	Description string
	// Err is the underlying error. Never send it to the client.
	Err error
}

// Error returns the description and the cause.
func (e *Error) Error() string {
	if e.Err == nil {
		return "middleware: " + e.Description
	}
	return "middleware: " + e.Description + ": " + e.Err.Error()
}

// Unwrap returns the cause, so [errors.Is] matches the session errors.
func (e *Error) Unwrap() error { return e.Err }

// ErrorHandler writes the response for a failed check. [Authenticate] has
// already set WWW-Authenticate (and Retry-After on 503) when it calls the
// handler; the handler writes e.Status and a body. The next handler is
// never called after a failure.
type ErrorHandler func(w http.ResponseWriter, r *http.Request, e *Error)

// WriteError is the default [ErrorHandler]: it writes e.Status and a small
// JSON body {"error": ..., "error_description": ...}.
func WriteError(w http.ResponseWriter, _ *http.Request, e *Error) {
	code := e.Code
	if code == "" {
		code = "unauthorized"
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(e.Status)
	json.NewEncoder(w).Encode(errorBody{code, e.Description})
}

type errorBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// failure is one kind of rejection, with its fixed texts.
type failure struct {
	status      int
	code        string
	description string
}

var (
	failMissing     = failure{http.StatusUnauthorized, "", "bearer token required"}
	failRequest     = failure{http.StatusBadRequest, "invalid_request", "malformed credentials"}
	failInvalid     = failure{http.StatusUnauthorized, "invalid_token", "token invalid"}
	failExpired     = failure{http.StatusUnauthorized, "invalid_token", "token expired"}
	failNotYet      = failure{http.StatusUnauthorized, "invalid_token", "token not yet valid"}
	failRevoked     = failure{http.StatusUnauthorized, "invalid_token", "token revoked"}
	failUnavailable = failure{http.StatusServiceUnavailable, "temporarily_unavailable", "authentication temporarily unavailable"}
	failScope       = failure{http.StatusForbidden, "insufficient_scope", "insufficient scope"}
)

// classify maps a verification error to its failure. A server-side fault
// is never reported as the client's.
func classify(err error) failure {
	switch {
	case errors.Is(err, session.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		return failUnavailable
	case errors.Is(err, session.ErrExpired):
		return failExpired
	case errors.Is(err, session.ErrNotYetValid):
		return failNotYet
	case errors.Is(err, session.ErrRevoked):
		return failRevoked
	}
	return failInvalid
}

// challenges holds the WWW-Authenticate value of each failure for one
// realm, built once.
type challenges map[failure]string

func newChallenges(realm string) challenges {
	c := challenges{}
	for _, f := range []failure{failMissing, failRequest, failInvalid, failExpired, failNotYet, failRevoked, failScope} {
		v := fmt.Sprintf("Bearer realm=%q", realm)
		if f.code != "" {
			v += fmt.Sprintf(", error=%q, error_description=%q", f.code, f.description)
		}
		c[f] = v
	}
	return c
}

// validRealm reports whether realm can be written as a quoted-string
// without escapes: printable ASCII without '"' and '\'.
func validRealm(realm string) bool {
	for i := 0; i < len(realm); i++ {
		if c := realm[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return realm != ""
}
