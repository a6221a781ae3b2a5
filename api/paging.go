package api

import (
	"strconv"

	"github.com/gin-gonic/gin"
)

// pageLimit reads ?limit= (0 when absent, so the store's default applies).
// It answers a problem and returns false when the value is out of range.
func pageLimit(c *gin.Context) (int, bool) {
	l := c.Query("limit")
	if l == "" {
		return 0, true
	}
	n, err := strconv.Atoi(l)
	if err != nil || n < 1 || n > 500 {
		invalid(c, "limit", "must be a whole number from 1 to 500")
		return 0, false
	}
	return n, true
}
