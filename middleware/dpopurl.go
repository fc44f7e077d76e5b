package middleware

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// publicOrigin validates [DPoPOptions.PublicURL] and returns it
// normalised, without a trailing slash.
func publicOrigin(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" || u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return "", fmt.Errorf("middleware: Options.DPoP.PublicURL %q must be an http or https URL without user, query or fragment, such as \"https://api.example.com\"", raw)
	}
	n, ok := normalizeURL(u)
	if !ok {
		return "", fmt.Errorf("middleware: Options.DPoP.PublicURL %q must be an http or https URL with a host, such as \"https://api.example.com\"", raw)
	}
	return strings.TrimSuffix(n, "/"), nil
}

// htuMatches reports whether htu, a proof's htu claim, names the URL of
// r (RFC 9449 §4.3 points 9): the configured origin or the request's
// own, followed by r's path, both without query and fragment, compared
// exactly first and else after normalisation (RFC 3986 §6.2.2 and
// §6.2.3: case of scheme and host, default port, percent-encoding, dot
// segments). r's path is normalised on its own and refused when its dot
// segments climb above "/", so that it never leaves the path prefix of
// PublicURL.
func (d *dpopConfig) htuMatches(r *http.Request, htu string) bool {
	if i := strings.IndexAny(htu, "?#"); i >= 0 {
		htu = htu[:i]
	}
	origin := d.origin
	if origin == "" {
		origin = d.requestOrigin(r)
	}
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	clean, ok := normalizePath(path)
	if !ok {
		return false
	}
	if len(htu) == len(origin)+len(path) && htu[:len(origin)] == origin && htu[len(origin):] == path {
		return true
	}
	hu, err := url.Parse(htu)
	if err != nil || hu.Opaque != "" || hu.User != nil {
		return false
	}
	got, ok := normalizeURL(hu)
	if !ok {
		return false
	}
	wu, err := url.Parse(origin + clean)
	if err != nil {
		return false
	}
	want, ok := normalizeURL(wu)
	return ok && got == want
}

// requestOrigin returns the scheme and host of r: https for a TLS
// connection, else http, and r.Host; or, when forwarded headers are
// trusted, the first element of X-Forwarded-Proto and X-Forwarded-Host
// where present.
func (d *dpopConfig) requestOrigin(r *http.Request) string {
	scheme, host := "http", r.Host
	if r.TLS != nil {
		scheme = "https"
	}
	if d.trustForwarded {
		if p := firstElement(r.Header.Get("X-Forwarded-Proto")); strings.EqualFold(p, "http") || strings.EqualFold(p, "https") {
			scheme = strings.ToLower(p)
		}
		if h := firstElement(r.Header.Get("X-Forwarded-Host")); h != "" {
			host = h
		}
	}
	return scheme + "://" + host
}

// firstElement returns the first comma-separated element of v, trimmed.
func firstElement(v string) string {
	if i := strings.IndexByte(v, ','); i >= 0 {
		v = v[:i]
	}
	return strings.TrimSpace(v)
}

// normalizeURL returns scheme://host/path of an http or https URL in the
// normal form of RFC 3986 §6.2.2–6.2.3: scheme and host in lower case,
// the scheme's default port removed, percent-encodings in upper case with
// unreserved characters decoded, dot segments removed, and an empty path
// as "/". Query and fragment are left out.
func normalizeURL(u *url.URL) (string, bool) {
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" || u.Host == "" {
		return "", false
	}
	host := strings.ToLower(u.Host)
	switch {
	case scheme == "http" && strings.HasSuffix(host, ":80"):
		host = strings.TrimSuffix(host, ":80")
	case scheme == "https" && strings.HasSuffix(host, ":443"):
		host = strings.TrimSuffix(host, ":443")
	}
	host = strings.TrimSuffix(host, ":")
	path, ok := normalizePercent(u.EscapedPath())
	if !ok {
		return "", false
	}
	path, _ = removeDotSegments(path)
	if path == "" {
		path = "/"
	}
	return scheme + "://" + host + path, true
}

// normalizePath returns the request path p, which starts with "/", with
// its percent-encodings normalised and its dot segments removed, and
// false when it does not start with "/" or climbs above it.
func normalizePath(p string) (string, bool) {
	if !strings.HasPrefix(p, "/") {
		return "", false
	}
	p, ok := normalizePercent(p)
	if !ok {
		return "", false
	}
	p, climbed := removeDotSegments(p)
	if p == "" {
		p = "/"
	}
	return p, !climbed
}

// normalizePercent writes every percent-encoding of p in upper case and
// decodes those of unreserved characters (RFC 3986 §6.2.2.1–6.2.2.2).
func normalizePercent(p string) (string, bool) {
	if strings.IndexByte(p, '%') < 0 {
		return p, true
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] != '%' {
			b.WriteByte(p[i])
			continue
		}
		if i+2 >= len(p) || !isHex(p[i+1]) || !isHex(p[i+2]) {
			return "", false
		}
		c := unhex(p[i+1])<<4 | unhex(p[i+2])
		if isUnreserved(c) {
			b.WriteByte(c)
		} else {
			b.WriteString(strings.ToUpper(p[i : i+3]))
		}
		i += 2
	}
	return b.String(), true
}

// removeDotSegments is RFC 3986 §5.2.4's algorithm. climbed reports
// whether a ".." segment met the root, which the algorithm ignores.
func removeDotSegments(in string) (_ string, climbed bool) {
	if strings.IndexByte(in, '.') < 0 {
		return in, false
	}
	out := make([]byte, 0, len(in))
	// up drops the last segment of out and its preceding "/".
	up := func() {
		switch i := bytes.LastIndexByte(out, '/'); {
		case i >= 0:
			out = out[:i]
		case len(out) == 0:
			climbed = true
		default:
			out = out[:0]
		}
	}
	for in != "" {
		switch {
		case strings.HasPrefix(in, "../"):
			in = in[3:]
		case strings.HasPrefix(in, "./"), strings.HasPrefix(in, "/./"):
			in = in[2:]
		case in == "/.":
			in = "/"
		case strings.HasPrefix(in, "/../"):
			in = in[3:]
			up()
		case in == "/..":
			in = "/"
			up()
		case in == "." || in == "..":
			in = ""
		default:
			i := strings.IndexByte(in[1:], '/') + 1
			if i == 0 {
				i = len(in)
			}
			out = append(out, in[:i]...)
			in = in[i:]
		}
	}
	return string(out), climbed
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

func isUnreserved(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}
