package webcapture

import (
	"net/url"
	"strings"
)

// Settings is the document Segment's browser library (analytics-next)
// fetches from {cdn}/v1/projects/{writeKey}/settings before it sends
// anything. Tabiji's names one destination, "Segment.io", pointed back at
// Tabiji's API: the library then posts every call to {apiHost}/{t,p,i,g,a,s}
// (or {apiHost}/b when batching), with the write key in the body. No other
// destination, middleware or plan is sent, so the library loads none of its
// lazy bundles, and metrics are off so it calls no other host.
type Settings struct {
	Integrations       map[string]SegmentIO `json:"integrations"`
	Plan               map[string]any       `json:"plan"`
	EdgeFunction       map[string]any       `json:"edgeFunction"`
	AnalyticsNext      bool                 `json:"analyticsNextEnabled"`
	MiddlewareSettings map[string]any       `json:"middlewareSettings"`
	EnabledMiddleware  map[string]bool      `json:"enabledMiddleware"`
	Metrics            map[string]any       `json:"metrics"`
	LegacyVideoPlugins bool                 `json:"legacyVideoPluginsEnabled"`
	RemotePlugins      []any                `json:"remotePlugins"`
}

// SegmentIO is the settings of the library's own destination.
type SegmentIO struct {
	APIKey                string   `json:"apiKey"`
	APIHost               string   `json:"apiHost"`
	Protocol              string   `json:"protocol"`
	UnbundledIntegrations []string `json:"unbundledIntegrations"`
	AddBundledMetadata    bool     `json:"addBundledMetadata"`
}

// NewSettings is the settings document for writeKey, sending to the API
// at base (its public URL, such as https://tabiji.example or
// http://127.0.0.1:8080; a path prefix is kept).
func NewSettings(writeKey string, base *url.URL) Settings {
	host := base.Host + strings.TrimSuffix(base.Path, "/") + "/v1"
	protocol := "https"
	if base.Scheme == "http" {
		protocol = "http"
	}
	return Settings{
		Integrations: map[string]SegmentIO{"Segment.io": {
			APIKey: writeKey, APIHost: host, Protocol: protocol, UnbundledIntegrations: []string{},
		}},
		Plan:               map[string]any{},
		EdgeFunction:       map[string]any{},
		AnalyticsNext:      true,
		MiddlewareSettings: map[string]any{},
		EnabledMiddleware:  map[string]bool{},
		Metrics:            map[string]any{"sampleRate": 0},
		RemotePlugins:      []any{},
	}
}
