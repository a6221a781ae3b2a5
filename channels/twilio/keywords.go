package twilio

import (
	"strings"

	"golang.org/x/text/width"
)

// What an inbound message asks for.
const (
	KeywordStop  = "stop"  // opt out of SMS
	KeywordStart = "start" // opt back in
)

// stopWords are the replies that opt a number out: Twilio's own opt-out
// keywords (its Advanced Opt-Out defaults) and the Japanese a customer
// types for "stop sending" (停止, 配信停止, 解除, 配信解除, ストップ).
var stopWords = map[string]bool{
	"STOP": true, "STOPALL": true, "UNSUBSCRIBE": true, "CANCEL": true, "END": true, "QUIT": true,
	"OPTOUT": true, "REVOKE": true,
	"停止": true, "配信停止": true, "解除": true, "配信解除": true, "ストップ": true, "受信拒否": true,
}

// startWords opt a number back in (Twilio's START, UNSTOP and YES; 再開).
var startWords = map[string]bool{
	"START": true, "UNSTOP": true, "YES": true, "再開": true, "配信再開": true,
}

// Keyword reads an inbound SMS: KeywordStop or KeywordStart when the whole
// message (spaces, punctuation and case aside, full-width letters read as
// ASCII) is one of the words, else "". optOutType is Twilio's OptOutType
// parameter (STOP, START, HELP), set when the account's Advanced Opt-Out
// recognised the message; it wins.
func Keyword(body, optOutType string) string {
	switch strings.ToUpper(optOutType) {
	case "STOP":
		return KeywordStop
	case "START":
		return KeywordStart
	}
	word := strings.ToUpper(strings.Map(func(r rune) rune {
		if strings.ContainsRune(" \t\r\n.!?。！？、,「」\u3000", r) {
			return -1
		}
		return r
	}, width.Fold.String(body)))
	switch {
	case stopWords[word]:
		return KeywordStop
	case startWords[word]:
		return KeywordStart
	}
	return ""
}
