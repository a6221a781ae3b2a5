package cli

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/tabiji/tabiji/api"
)

// LimitFlags are the API's abuse limits, on by default with generous rates.
type LimitFlags struct {
	RateIngest     string   `name:"rate-ingest" env:"TABIJI_RATE_INGEST" default:"1000:2000" help:"Requests per second per key on the ingestion routes, as RATE[:BURST] (RATE may end /s, /m or /h); off turns the limit off. A batch is one request."`
	RateManage     string   `name:"rate-manage" env:"TABIJI_RATE_MANAGE" default:"50:100" help:"Requests per second per key on the management routes and report pages, as RATE[:BURST]; off turns the limit off."`
	RateLogin      string   `name:"rate-login" env:"TABIJI_RATE_LOGIN" default:"10/m:10" help:"Console login attempts per remote address and per key tried, as RATE[:BURST]; off turns the throttle off."`
	TrustedProxies []string `name:"trusted-proxies" env:"TABIJI_TRUSTED_PROXIES" sep:"," help:"IPs or CIDRs of proxies whose X-Forwarded-For names the remote address (for the login throttle); none by default."`
}

// limits parses the flags; an error names the variable.
func (f LimitFlags) limits() (api.Limits, error) {
	var l api.Limits
	for _, r := range []struct {
		env, value string
		dst        *api.Rate
	}{{"TABIJI_RATE_INGEST", f.RateIngest, &l.Ingest}, {"TABIJI_RATE_MANAGE", f.RateManage, &l.Manage}, {"TABIJI_RATE_LOGIN", f.RateLogin, &l.Login}} {
		rate, err := parseRate(r.value)
		if err != nil {
			return api.Limits{}, fmt.Errorf("%s=%q: %w", r.env, r.value, err)
		}
		*r.dst = rate
	}
	for _, p := range f.TrustedProxies {
		if net.ParseIP(p) == nil {
			if _, _, err := net.ParseCIDR(p); err != nil {
				return api.Limits{}, fmt.Errorf("TABIJI_TRUSTED_PROXIES: %q is neither an IP nor a CIDR", p)
			}
		}
	}
	return l, nil
}

// parseRate reads RATE[:BURST], RATE a number optionally per /s, /m or /h;
// "off" or "0" is no limit. The burst defaults to the rate per second, at least 1.
func parseRate(s string) (api.Rate, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "off" || s == "0" {
		return api.Rate{}, nil
	}
	num, burstText, hasBurst := strings.Cut(s, ":")
	num, unit, _ := strings.Cut(num, "/")
	per := map[string]time.Duration{"": time.Second, "s": time.Second, "m": time.Minute, "h": time.Hour}[unit]
	n, err := strconv.ParseFloat(num, 64)
	if err != nil || n <= 0 || per == 0 {
		return api.Rate{}, fmt.Errorf("want RATE[:BURST] such as 100:200 or 10/m:5, or off")
	}
	r := api.Rate{PerSecond: n / per.Seconds(), Burst: max(1, int(n/per.Seconds()))}
	if hasBurst {
		if r.Burst, err = strconv.Atoi(burstText); err != nil || r.Burst < 1 {
			return api.Rate{}, fmt.Errorf("the burst must be a whole number of at least 1")
		}
	}
	return r, nil
}
