package cli

import (
	"github.com/tabiji/tabiji/activities"
	"github.com/tabiji/tabiji/outbound"
)

// OutboundFlags configure the calls journeys make to URLs a workspace
// chose (webhook nodes): public addresses only, unless the operator opens
// private ones here.
type OutboundFlags struct {
	OutboundAllow string `name:"outbound-allow" env:"TABIJI_OUTBOUND_ALLOW" help:"Private targets webhook nodes (and the LINE webhook relay, and single sign-on's OpenID providers) may call, comma-separated CIDRs, IPs and host names (10.0.0.0/8,crm.internal). Unset: public addresses only; loopback, private, link-local (cloud metadata), CGNAT and ULA addresses are refused when dialled."`
}

// client returns the outbound client the flags call for; an entry it
// cannot read is an error naming the variable.
func (f OutboundFlags) client() (*outbound.Client, error) {
	allow, err := outbound.ParseAllowlist(f.OutboundAllow)
	if err != nil {
		return nil, err
	}
	return outbound.New(outbound.Options{Allow: allow}), nil
}

// withOutbound sets the activities' outbound client.
func (f OutboundFlags) withOutbound(opts activities.Options) (activities.Options, error) {
	c, err := f.client()
	if err != nil {
		return opts, err
	}
	opts.Outbound = c
	return opts, nil
}
