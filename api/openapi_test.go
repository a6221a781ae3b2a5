package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/openapi"
)

// ginParam is a Gin path parameter (:id) or wildcard (*filepath).
var ginParam = regexp.MustCompile(`[:*]([A-Za-z]+)`)

// describedPath is the OpenAPI path of a Gin route's path: /v1/journeys/:id
// is /v1/journeys/{id}.
func describedPath(ginPath string) string { return ginParam.ReplaceAllString(ginPath, "{$1}") }

// TestEveryRouteIsDescribed fails when a route of routes.go has no operation
// in openapi/tabiji.yaml, or when the description has an operation that no
// route serves, so the description served at /v1/openapi.json stays true.
func TestEveryRouteIsDescribed(t *testing.T) {
	doc, err := openapi.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	engine, ok := NewServer(Deps{}).(*gin.Engine)
	if !ok {
		t.Fatal("NewServer is no longer a *gin.Engine: update TestEveryRouteIsDescribed")
	}
	routes := map[string]bool{}
	for _, r := range engine.Routes() {
		path := describedPath(r.Path)
		routes[r.Method+" "+path] = true
		if item := doc.Paths.Value(path); item == nil || item.GetOperation(r.Method) == nil {
			t.Errorf("route %s %s (api/routes.go) is not described: add to openapi/tabiji.yaml, under paths, %q: %s: "+
				"with an operationId, tags, summary, security (adminKey, writeKeyBasic/writeKeyBearer, consoleSession or [] for none), "+
				"its parameters%s, requestBody and responses (a default Problem among them); docs/api/openapi.md says how",
				r.Method, r.Path, path, strings.ToLower(r.Method), paramsOf(r.Path))
		}
	}
	var described []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			described = append(described, method+" "+path)
		}
	}
	sort.Strings(described)
	for _, op := range described {
		if !routes[op] {
			t.Errorf("openapi/tabiji.yaml describes %s, which no route in api/routes.go serves: remove it, or add the route", op)
		}
	}
}

// paramsOf names the path parameters a route's operation must declare.
func paramsOf(ginPath string) string {
	var names []string
	for _, m := range ginParam.FindAllStringSubmatch(ginPath, -1) {
		names = append(names, m[1]+" (in: path, required: true)")
	}
	if len(names) == 0 {
		return ""
	}
	return " " + strings.Join(names, ", ")
}

// TestOpenAPIDocumentIsServed asks GET /v1/openapi.json without a key and
// loads the answer with kin-openapi: the served JSON is a valid, self-contained
// OpenAPI 3.1 document whose journey definitions are schemas/'s JSON Schema.
func TestOpenAPIDocumentIsServed(t *testing.T) {
	h := NewServer(Deps{})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/openapi.json", nil))
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("GET /v1/openapi.json = %d %s: %.300s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	loader := openapi3.NewLoader() // no external $ref may remain: file and URL reads stay off
	doc, err := loader.LoadFromData(rec.Body.Bytes())
	if err != nil {
		t.Fatalf("the served description does not load: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the served description is not valid: %v", err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	journey := doc.Components.Schemas["JourneyDefinition"]
	if journey == nil || journey.Value == nil || journey.Value.Properties["nodes"] == nil {
		t.Fatalf("the served description lacks the journey definition's schema: %+v", journey)
	}
	var fromSchemas map[string]any
	if err := json.Unmarshal(mustJSON(t, journey.Value), &fromSchemas); err != nil || fromSchemas["required"] == nil {
		t.Errorf("the JourneyDefinition component is not the journey schema: %v %v", fromSchemas, err)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
