package jwks

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/jwtsession/jwtsession/internal/strictjson"
)

// wellKnownConfiguration is the path, after the issuer, of an OpenID
// Provider's configuration (OpenID Connect Discovery 1.0 §4).
const wellKnownConfiguration = "/.well-known/openid-configuration"

// configurationURL returns the URL of issuer's OpenID Provider
// configuration: issuer without a trailing "/", then
// "/.well-known/openid-configuration" (OpenID Connect Discovery 1.0 §4.1).
func configurationURL(issuer string) string {
	return strings.TrimSuffix(issuer, "/") + wellKnownConfiguration
}

// checkIssuer accepts an issuer identifier as OpenID Connect Discovery
// 1.0 §4.3 and RFC 8414 §2 define it: an absolute https URL (http on a
// loopback host, or anywhere with insecure) without query or fragment.
func checkIssuer(issuer string, insecure bool) error {
	u, err := url.Parse(issuer)
	switch {
	case err != nil:
		return fmt.Errorf("jwks: issuer: %w", err)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(issuer, "#"):
		return fmt.Errorf("jwks: issuer %q has a query or fragment; an issuer identifier has neither", issuer)
	}
	if err := checkURL(issuer, insecure); err != nil {
		return fmt.Errorf("jwks: issuer: %w", err)
	}
	return nil
}

// providerMetadata is what is read from an OpenID Provider configuration
// (or RFC 8414 authorization server metadata).
type providerMetadata struct {
	issuer  string
	jwksURI string
}

// parseProviderMetadata reads a provider configuration strictly: one JSON
// object, no member twice, issuer and jwks_uri present as non-empty
// strings; every other member is validated as JSON and ignored.
func parseProviderMetadata(body []byte) (providerMetadata, error) {
	var md providerMetadata
	sc := strictjson.New(string(body))
	err := sc.Object(func(name string) error {
		var err error
		switch name {
		case "issuer":
			md.issuer, err = metadataString(&sc, name)
		case "jwks_uri":
			md.jwksURI, err = metadataString(&sc, name)
		default:
			err = sc.SkipValue()
		}
		return err
	})
	switch {
	case err != nil:
		return md, fmt.Errorf("the provider configuration is not a valid JSON object: %w", err)
	case !sc.End():
		return md, errors.New("the provider configuration has data after its JSON object")
	case md.issuer == "":
		return md, errors.New(`the provider configuration has no "issuer"`)
	case md.jwksURI == "":
		return md, errors.New(`the provider configuration has no "jwks_uri"`)
	}
	return md, nil
}

// metadataString reads a member that must be a non-empty JSON string.
func metadataString(sc *strictjson.Scanner, name string) (string, error) {
	if sc.Next() != '"' {
		return "", fmt.Errorf("%q is not a string", name)
	}
	s, err := sc.Str()
	switch {
	case err != nil:
		return "", err
	case s == "":
		return "", fmt.Errorf("%q is empty", name)
	}
	return s, nil
}

// discover fetches the configuration of issuer with c and returns its
// jwks_uri. The configuration's issuer must equal issuer exactly (OpenID
// Connect Discovery 1.0 §4.3): a provider that names another issuer, or
// a response substituted for another provider's, is refused.
func discover(c *fetchClient, issuer string) (string, error) {
	u := configurationURL(issuer)
	_, body, err := c.fetch(u, "application/json")
	if err != nil {
		return "", fmt.Errorf("jwks: discovery of %s: fetch from %s: %w", issuer, u, err)
	}
	md, err := parseProviderMetadata(body)
	if err != nil {
		return "", fmt.Errorf("jwks: discovery of %s: %w", issuer, err)
	}
	if md.issuer != issuer {
		return "", fmt.Errorf("jwks: discovery of %s: the provider configuration names issuer %q; refusing its keys", issuer, md.issuer)
	}
	return md.jwksURI, nil
}
