package jwks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"
)

// fetchClient is the HTTP client the JWK cache and OpenID Connect
// discovery fetch with. Every fetch is bounded in time (timeout, through
// the request's context, whatever the underlying client does) and in size
// (maxSize: a longer body fails the fetch and is not read further). The
// body is read here, in full, and the connection released, so the cache
// parses a body already in memory.
type fetchClient struct {
	ctx     context.Context // canceled by Close
	client  *http.Client
	timeout time.Duration
	maxSize int64
	// keyCount is the number of entries in "keys" of the last body read,
	// to tell how many keys the JWK parser dropped.
	keyCount atomic.Int64
}

// Get fetches u. Only 200 with a body that is a JSON object within the
// size cap succeeds.
func (c *fetchClient) Get(u string) (*http.Response, error) {
	res, err := c.get(u)
	if err != nil {
		return nil, &fetchError{fmt.Errorf("jwks: fetch from %s: %w", u, err)}
	}
	return res, nil
}

func (c *fetchClient) get(u string) (*http.Response, error) {
	res, body, err := c.fetch(u, "application/jwk-set+json, application/json")
	if err != nil {
		return nil, err
	}
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, fmt.Errorf("the response (Content-Type %q) is not a JWK Set: %w", res.Header.Get("Content-Type"), err)
	}
	c.keyCount.Store(int64(len(set.Keys)))
	res.Body = io.NopCloser(bytes.NewReader(body))
	res.ContentLength = int64(len(body))
	return res, nil
}

// fetch GETs u, asking for the media types in accept, and returns the
// response, whose body is closed, with the body read in full. Only 200
// with a body within the size cap succeeds.
func (c *fetchClient) fetch(u, accept string) (*http.Response, []byte, error) {
	ctx, cancel := context.WithTimeout(c.ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Accept", accept)
	res, err := c.client.Do(req)
	if err != nil {
		if ue, ok := err.(*url.Error); ok {
			err = ue.Err // the URL is in the message already
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded) {
			return nil, nil, fmt.Errorf("no response within the %v timeout: %w", c.timeout, err)
		}
		return nil, nil, err
	}
	// Closing a body that was not read to its end drops the connection,
	// which is what an oversized or unwanted response deserves.
	defer res.Body.Close()
	// A client of the application's (RemoteOptions.HTTPClient) may follow
	// any redirect: what was asked for over https is accepted only from
	// https, whatever client fetched it.
	if final := res.Request.URL; req.URL.Scheme == "https" && final.Scheme != "https" {
		return nil, nil, fmt.Errorf("redirected from https to %s://%s", final.Scheme, final.Host)
	}
	if res.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("status %s", res.Status)
	}
	if res.ContentLength > c.maxSize {
		return nil, nil, fmt.Errorf("the response is %d bytes; the limit is %d", res.ContentLength, c.maxSize)
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, c.maxSize+1))
	if err != nil {
		return nil, nil, fmt.Errorf("reading the body: %w", err)
	}
	if int64(len(body)) > c.maxSize {
		return nil, nil, fmt.Errorf("the response exceeds the limit of %d bytes", c.maxSize)
	}
	return res, body, nil
}

// fetchError marks an error of this package inside the JWK cache's
// wrapping, so that it is reported without that wrapping.
type fetchError struct{ err error }

func (e *fetchError) Error() string { return e.err.Error() }
func (e *fetchError) Unwrap() error { return e.err }

// ownError returns the fetchError inside err, or err.
func ownError(err error) error {
	var fe *fetchError
	if errors.As(err, &fe) {
		return fe
	}
	return err
}

// newHTTPClient returns the default client of a Remote: the
// default transport's proxy and connection settings, each phase bounded by
// timeout, at most 3 redirects and never from https to http.
func newHTTPClient(timeout time.Duration) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSHandshakeTimeout = timeout
	t.ResponseHeaderTimeout = timeout
	t.MaxIdleConnsPerHost = 1
	return &http.Client{
		Transport: t,
		Timeout:   timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > 3 {
				return errors.New("more than 3 redirects")
			}
			if via[0].URL.Scheme == "https" && req.URL.Scheme != "https" {
				return errors.New("refusing a redirect from https to " + req.URL.Scheme)
			}
			return nil
		},
	}
}

// checkURL accepts an absolute https URL, or http on a loopback host
// (or anywhere with insecure).
func checkURL(raw string, insecure bool) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("jwks: URL: %w", err)
	}
	switch {
	case u.Host == "":
		return fmt.Errorf("jwks: URL %q is not absolute", raw)
	case u.Scheme == "https":
		return nil
	case u.Scheme != "http":
		return fmt.Errorf("jwks: URL %q: scheme must be https", raw)
	case insecure || isLoopback(u.Hostname()):
		return nil
	}
	return fmt.Errorf("jwks: URL %q uses plain http: anyone on the path could substitute keys; use https (or RemoteOptions.InsecureHTTP, for a trusted network)", raw)
}

// isLoopback reports whether host is "localhost" or a loopback address.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
