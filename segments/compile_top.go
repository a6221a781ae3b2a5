package segments

// topPercent is p.id IN the customers in the top percent % of those that
// source (SQL selecting one row (user_id, v) per customer) ranks by v,
// highest first, NULLs last: those whose cume_dist() over that order is
// at most percent/100, so that customers tied at the boundary are left
// out together.
//
// It never computes cume_dist() row by row, which sorted every customer
// and spilled a window over all of them. With n the customers and k the
// most with k/n <= f (f = percent/100, compared in float8 as cume_dist()
// is), a customer is in exactly when fewer than k+1 rank at or above
// them, that is when their v is above the (k+1)-th highest, t: so it
// keeps the k+1 highest (a bounded top-N sort) and of those the ones
// above the last. Everyone is in when k = n; when t is NULL (NULLs rank
// last), everyone with a value is. The LIMIT also tells the planner that
// few rows come out, so it looks the members' profiles up by their key
// rather than reading every profile.
func (c *compiler) topPercent(source string, percent float64) string {
	f := c.arg(percent/100) + "::float8"
	return "(p.id IN (WITH a AS MATERIALIZED (" + source + "), " +
		// k0 = floor(f*n) is k, or one off where f*n rounds across an integer.
		"n AS (SELECT count(*) AS n, floor(" + f + " * count(*))::bigint AS k0 FROM a), " +
		"k AS (SELECT n.n, CASE WHEN (n.k0 + 1)::float8 / NULLIF(n.n, 0) <= " + f + " THEN n.k0 + 1 " +
		"WHEN n.k0::float8 / NULLIF(n.n, 0) > " + f + " THEN n.k0 - 1 ELSE n.k0 END AS k FROM n), " +
		"top AS (SELECT a.user_id, a.v FROM a ORDER BY a.v DESC NULLS LAST LIMIT (SELECT k.k + 1 FROM k)), " +
		"t AS (SELECT top.v FROM top ORDER BY top.v NULLS FIRST LIMIT 1) " +
		"SELECT top.user_id FROM top WHERE (SELECT k.k >= k.n FROM k) OR top.v > (SELECT t.v FROM t) " +
		"OR (top.v IS NOT NULL AND (SELECT t.v IS NULL FROM t))))"
}
