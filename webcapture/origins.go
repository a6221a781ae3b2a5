// Package webcapture is what taking events from web pages needs besides
// Segment's wire format: the origins a workspace lets send, the settings
// document Segment's browser library loads at start, and where a visitor
// came from (campaign, referrer, device) read from a call's context.
package webcapture

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/tabiji/tabiji/jsonfields"
)

// MaxOrigins is how many origins a workspace may allow.
const MaxOrigins = 50

// CheckOrigins validates a workspace's allowed origins and returns them in
// the form browsers send in the Origin header (lowercase scheme and host,
// no default port), sorted and without duplicates. Each must be
// http(s)://host[:port] with nothing after the host: a path, query,
// wildcard or "null" is refused, naming the entry (origins[2]).
func CheckOrigins(origins []string) ([]string, error) {
	var errs jsonfields.Errors
	if len(origins) > MaxOrigins {
		errs.Add("origins", fmt.Sprintf("has %d entries: at most %d", len(origins), MaxOrigins))
		return nil, errs
	}
	out := make([]string, 0, len(origins))
	for i, o := range origins {
		norm, problem := origin(o)
		if problem != "" {
			errs.Add("origins["+strconv.Itoa(i)+"]", problem)
			continue
		}
		out = append(out, norm)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// origin normalises one origin, or says what is wrong with it.
func origin(raw string) (string, string) {
	const want = "must be an origin such as https://shop.example or http://localhost:3000"
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || u.Opaque != "" {
		return "", want
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return "", want + ": the scheme is http or https"
	}
	if u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		return "", want + ": nothing after the host and port"
	}
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if host == "" || strings.ContainsAny(host, "*_ ") {
		return "", want + ": a host name without wildcards"
	}
	if port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return "", want + ": the port is 1 to 65535"
		}
	}
	if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		port = ""
	}
	if port != "" {
		host = net.JoinHostPort(host, port)
	} else if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return scheme + "://" + host, ""
}
