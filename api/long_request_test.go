package api

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

// TestLongRequestOutlivesWriteTimeout: a streaming route answers past the
// server's WriteTimeout, while any other route is cut off by it.
func TestLongRequestOutlivesWriteTimeout(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	slow := func(c *gin.Context) {
		time.Sleep(600 * time.Millisecond) // a stream that takes longer than the timeout below
		c.String(http.StatusOK, "all rows")
	}
	r.GET("/stream", longRequest, slow)
	r.GET("/plain", slow)
	srv := httptest.NewUnstartedServer(r)
	srv.Config.WriteTimeout = 200 * time.Millisecond
	srv.Start()
	t.Cleanup(srv.Close)

	resp, err := http.Get(srv.URL + "/stream")
	if err != nil {
		t.Fatalf("stream: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "all rows" {
		t.Errorf("stream = %d %q", resp.StatusCode, body)
	}
	if resp, err := http.Get(srv.URL + "/plain"); err == nil {
		resp.Body.Close()
		t.Errorf("a plain route answered %d past the WriteTimeout: the test proves nothing", resp.StatusCode)
	}
}
