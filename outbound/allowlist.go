package outbound

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"
)

// AllowEnv is the environment variable holding the operator's allowlist.
const AllowEnv = "TABIJI_OUTBOUND_ALLOW"

// Allowlist is what the operator opens on purpose among the addresses the
// guard refuses, for an on-premises CRM say: networks (CIDRs or single
// IPs) and host names. A host name is trusted whatever it resolves to, so
// list only names the operator's own DNS answers for.
type Allowlist struct {
	prefixes []netip.Prefix
	hosts    []string
}

var hostName = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$`)

// ParseAllowlist reads a comma-separated list of CIDRs ("10.0.0.0/8"),
// IPs ("10.1.2.3", "fd00::1") and host names ("crm.internal"); empty
// entries are skipped. The error names the entry it cannot read.
func ParseAllowlist(s string) (Allowlist, error) {
	var a Allowlist
	for _, entry := range strings.Split(s, ",") {
		entry = strings.ToLower(strings.TrimSpace(entry))
		if entry == "" {
			continue
		}
		if p, err := netip.ParsePrefix(entry); err == nil {
			a.prefixes = append(a.prefixes, p.Masked())
			continue
		}
		if ip, err := netip.ParseAddr(entry); err == nil {
			ip = ip.Unmap()
			a.prefixes = append(a.prefixes, netip.PrefixFrom(ip, ip.BitLen()))
			continue
		}
		name := strings.TrimSuffix(entry, ".")
		if !hostName.MatchString(name) {
			return Allowlist{}, fmt.Errorf("%s: %q is neither a CIDR (10.0.0.0/8), an IP nor a host name (crm.internal)", AllowEnv, entry)
		}
		a.hosts = append(a.hosts, name)
	}
	return a, nil
}

// MustParseAllowlist is ParseAllowlist for literals in tests and code; it
// panics on an entry it cannot read.
func MustParseAllowlist(s string) Allowlist {
	a, err := ParseAllowlist(s)
	if err != nil {
		panic(err)
	}
	return a
}

// Empty says whether nothing is allowed beyond public addresses.
func (a Allowlist) Empty() bool { return len(a.prefixes) == 0 && len(a.hosts) == 0 }

// String lists the entries as ParseAllowlist reads them.
func (a Allowlist) String() string {
	out := make([]string, 0, len(a.prefixes)+len(a.hosts))
	for _, p := range a.prefixes {
		out = append(out, p.String())
	}
	return strings.Join(append(out, a.hosts...), ",")
}

// allowsHost says whether the host name (as dialled, without port) is listed.
func (a Allowlist) allowsHost(host string) bool {
	return slices.Contains(a.hosts, strings.TrimSuffix(strings.ToLower(host), "."))
}

// allowsAddr says whether ip falls in a listed network.
func (a Allowlist) allowsAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	return slices.ContainsFunc(a.prefixes, func(p netip.Prefix) bool { return p.Contains(ip) })
}
