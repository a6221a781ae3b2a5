package locale

import (
	"math"
	"strconv"
	"time"

	"golang.org/x/text/currency"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
)

// MaxFormatted is the largest magnitude Number and Money group into
// thousands: past it a float64 no longer holds every integer, so digits
// would be made up. Larger values, NaN and infinities are written plainly.
const MaxFormatted = 1e15

// Number writes n in the language's way with scale decimals: "1,234,567"
// in Japanese and English alike (x/text knows the others).
func Number(lang string, n float64, scale int) string {
	if math.IsNaN(n) || math.IsInf(n, 0) || math.Abs(n) >= MaxFormatted {
		return strconv.FormatFloat(n, 'g', -1, 64)
	}
	p := message.NewPrinter(language.Make(lang))
	return p.Sprint(number.Decimal(n, number.Scale(scale)))
}

// symbols are the signs written before amounts; others are written as
// their code and a space ("CHF 12.00").
var symbols = map[string]string{"JPY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "CNY": "CN¥", "KRW": "₩", "TWD": "NT$"}

// Money writes an amount of the currency with its sign and the currency's
// decimals: "¥4,800", "$48.00", "-¥500". An unknown code is written as
// given, before the amount.
func Money(lang, code string, amount float64) string {
	scale := 2
	if u, err := currency.ParseISO(code); err == nil {
		scale, _ = currency.Standard.Rounding(u)
	}
	sign := ""
	if amount < 0 {
		sign, amount = "-", -amount
	}
	sym, ok := symbols[code]
	if !ok {
		sym = code + " "
	}
	return sign + sym + Number(lang, amount, scale)
}

// Yen writes a yen amount as "¥4,800", or with suffix as "4,800円", the
// form Japanese copy prefers in running text. Fractions are rounded.
func Yen(amount float64, suffix bool) string {
	if suffix {
		return Number(Japanese, math.Round(amount), 0) + "円"
	}
	return Money(Japanese, "JPY", math.Round(amount))
}

var weekdaysJa = [...]string{"日", "月", "火", "水", "木", "金", "土"}

// Date writes t's calendar day: "2026年12月7日(月)" in Japanese,
// "Mon, Dec 7, 2026" in English.
func Date(lang string, t time.Time) string {
	if lang == Japanese {
		return strconv.Itoa(t.Year()) + "年" + strconv.Itoa(int(t.Month())) + "月" + strconv.Itoa(t.Day()) + "日(" + weekdaysJa[t.Weekday()] + ")"
	}
	return t.Format("Mon, Jan 2, 2006")
}

// DateTime writes t's day and time of day: "2026年12月7日(月) 09:00" or
// "Mon, Dec 7, 2026 09:00".
func DateTime(lang string, t time.Time) string {
	return Date(lang, t) + " " + t.Format("15:04")
}
