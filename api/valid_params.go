package api

import (
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
)

// validParams refuses, before any handler or key lookup, a request whose
// path parameters or query values hold a NUL byte or invalid UTF-8: Postgres
// text cannot hold either (a query with one fails), and Temporal's list
// queries quote them into a string it cannot parse. One check here keeps
// every route, present and future, at a 400 naming the parameter instead of
// a 500 or a hang in whichever store or Temporal call the id reaches first.
func validParams(c *gin.Context) {
	for _, p := range c.Params {
		if !cleanText(p.Value) {
			invalid(c, p.Key, "must be UTF-8 text without NUL bytes")
			return
		}
	}
	for key, values := range c.Request.URL.Query() {
		if !cleanText(key) {
			invalid(c, "query", "parameter names must be UTF-8 text without NUL bytes")
			return
		}
		for _, v := range values {
			if !cleanText(v) {
				invalid(c, key, "must be UTF-8 text without NUL bytes")
				return
			}
		}
	}
	c.Next()
}

// cleanText says whether s is valid UTF-8 and free of NUL bytes.
func cleanText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}
