package tests

import "net/http"

// conformSSO calls the single sign-on routes where the stack can answer
// them without a provider: the settings' refusals and the browser's pages.
func conformSSO(c *conformance) {
	c.do(exchange{method: "GET", path: "/v1/workspace/sso", auth: "admin", want: http.StatusNotFound})
	settings := map[string]any{"issuer": "http://idp.example.com", "clientId": "tabiji", "clientSecret": "s",
		"allowedDomains": []string{"example.com"}, "defaultRole": "analyst"}
	c.do(exchange{method: "PUT", path: "/v1/workspace/sso", auth: "admin", body: settings, want: http.StatusUnprocessableEntity})
	settings["scopes"] = "openid"
	c.do(exchange{method: "PUT", path: "/v1/workspace/sso", auth: "admin", body: settings, want: http.StatusBadRequest, refused: true})
	c.do(exchange{method: "DELETE", path: "/v1/workspace/sso", auth: "admin", want: http.StatusNotFound})
	c.do(exchange{method: "GET", path: "/ui/login?workspace=default", want: http.StatusOK})
	c.do(exchange{method: "GET", path: "/ui/sso/default/start", want: http.StatusNotFound})
	c.do(exchange{method: "GET", path: "/ui/sso/callback?state=x&code=y", want: http.StatusBadRequest})
}
